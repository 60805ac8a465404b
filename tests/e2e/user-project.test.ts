/**
 * A user's own Pulumi program, as a user makes it: `npm pack` this repository, install the tarball (and the peer
 * dependencies) into a project in a temp folder outside the repository, write the README's examples (taken from
 * README.md, so that they cannot drift) as its index.ts, and run the plain Pulumi CLI with its Node.js language
 * host: `pulumi up`, every certificate checked with OpenSSL and every output present, a second `up` that changes
 * nothing, then `pulumi destroy` (after unprotecting the CA, as the README says).
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { openssl } from "../helpers/openssl";
import { plainPulumi, PlainPulumi } from "./plain-pulumi";

const REPO = path.join(__dirname, "../..");
const PASSWORD = "Rec01-Pfx-Passw0rd";

/** The ```ts blocks of the README's section "Use it in your own Pulumi program", in order. */
function readmeExamples(): string[] {
  const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
  const start = readme.indexOf("## Use it in your own Pulumi program");
  expect(start).toBeGreaterThan(0);
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}
const [COMPONENT_EXAMPLE, RESOURCES_EXAMPLE] = readmeExamples();

const sh = (cmd: string, args: string[], cwd: string) =>
  new Promise<string>((resolve, reject) =>
    execFile(cmd, args, { cwd, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );

let base: string;
let project: string;
let pulumi: PlainPulumi;

beforeAll(async () => {
  base = mkdtempSync(path.join(tmpdir(), "xprotect-user-"));
  project = path.join(base, "project");
  const backend = path.join(base, "state");
  for (const d of [project, backend]) mkdirSync(d);
  pulumi = await plainPulumi(backend, "user-project-test-passphrase"); // fails here without a language host

  // `npm test` has built dist/ (npm pack would run prepare, i.e. the same build, again).
  const packed = await sh("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", base], REPO);
  const tarball = path.join(base, packed.trim().split("\n").pop()!);
  writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "xprotect-site-program", private: true, main: "index.ts" }),
  );
  writeFileSync(path.join(project, "Pulumi.yaml"), "name: xprotect-site-program\nruntime: nodejs\n");
  const t0 = Date.now();
  await sh(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--save-exact",
      tarball,
      "@pulumi/pulumi@3.248.0",
      "typescript@5.9.3",
      "@types/node@20.19.25",
    ],
    project,
  );
  console.log(`npm install of the tarball and its peers: ${Date.now() - t0} ms`);
}, 600000);

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

/** Runs one example as stack `stack`: up; the outputs; a second up that changes nothing; unprotect; destroy. */
async function runExample(source: string, stack: string, config: Record<string, string> = {}) {
  writeFileSync(path.join(project, "index.ts"), source);
  await pulumi.run(["stack", "init", stack], project);
  for (const [k, v] of Object.entries(config)) {
    await pulumi.run(["config", "set", "--secret", k, v, "--stack", stack], project);
  }
  const up = await pulumi.run(["up", "--yes", "--stack", stack], project);
  const outputs = JSON.parse(
    await pulumi.run(["stack", "output", "--json", "--show-secrets", "--stack", stack], project),
  ) as Record<string, unknown>;
  const again = await pulumi.run(["up", "--yes", "--expect-no-changes", "--stack", stack], project);
  return {
    up,
    again,
    outputs,
    destroy: async () => {
      await pulumi.run(["state", "unprotect", "--all", "--yes", "--stack", stack], project);
      await pulumi.run(["destroy", "--yes", "--stack", stack], project);
      const state = JSON.parse(await pulumi.run(["stack", "export", "--stack", stack], project));
      return (state.deployment.resources ?? []) as unknown[];
    },
  };
}

/** OpenSSL: the PFX opens with its password, holds the key of its certificate, which chains to the CA. */
function checkWithOpenssl(pfxBase64: string, password: string, caPem: string, thumbprint: string): void {
  const files = { "p.pfx": Buffer.from(pfxBase64, "base64"), "ca.pem": caPem };
  const pass = `pass:${password}`;
  const cert = openssl(["pkcs12", "-in", "p.pfx", "-passin", pass, "-nokeys", "-clcerts"], files);
  expect(cert.stderr).toBe("");
  const key = openssl(["pkcs12", "-in", "p.pfx", "-passin", pass, "-nocerts", "-nodes"], files);
  expect(key.status).toBe(0);
  const withCert = { ...files, "cert.pem": cert.stdout, "key.pem": key.stdout };
  expect(openssl(["verify", "-x509_strict", "-CAfile", "ca.pem", "cert.pem"], withCert).stdout.trim()).toBe(
    "cert.pem: OK",
  );
  const fingerprint = openssl(
    ["x509", "-in", "cert.pem", "-noout", "-fingerprint", "-sha1"],
    withCert,
  ).stdout;
  expect(fingerprint.split("=")[1].trim().replace(/:/g, "")).toBe(thumbprint);
  const certKey = openssl(["x509", "-in", "cert.pem", "-noout", "-pubkey"], withCert).stdout;
  expect(openssl(["pkey", "-in", "key.pem", "-pubout"], withCert).stdout).toBe(certKey);
}

test("the README's XProtectSite example: up, OpenSSL, contract outputs, no-op up, destroy", async () => {
  const r = await runExample(COMPONENT_EXAMPLE, "site", { rec01PfxPassword: PASSWORD });
  expect(r.up).toMatch(/\+ 7 created/);
  expect(r.again).toMatch(/7 unchanged/);

  // Every output of the contract, as its JSON Schema (shipped in the package) says.
  const schema = JSON.parse(
    readFileSync(path.join(project, "node_modules/xprotect-certs/stacks/outputs.schema.json"), "utf8"),
  );
  const validate = new Ajv2020({ strict: false }).compile(schema);
  expect(validate(r.outputs) ? [] : validate.errors).toEqual([]);
  const out = r.outputs as {
    caCertificatePem: string;
    caThumbprint: string;
    trustedCaCertificates?: Array<{ thumbprint: string; status: string }>;
    servers: Record<string, { thumbprint: string; slots: Array<{ command: string }> }>;
    pfx: Record<string, string>;
    pfxPasswords: Record<string, string>;
  };
  expect(Object.keys(out.servers).sort()).toEqual(["mgmt01", "rec01"]);
  expect(out.pfxPasswords.rec01).toBe(PASSWORD);
  // The roots the bundle and the client kit read during a root rotation: exported by the example.
  expect(out.trustedCaCertificates?.map(({ thumbprint, status }) => ({ thumbprint, status }))).toEqual([
    { thumbprint: out.caThumbprint, status: "active" },
  ]);
  for (const [name, server] of Object.entries(out.servers)) {
    checkWithOpenssl(out.pfx[name], out.pfxPasswords[name], out.caCertificatePem, server.thumbprint);
    expect(server.slots.length).toBeGreaterThan(0);
    for (const s of server.slots) expect(s.command).toContain(`/thumbprint=${server.thumbprint}`);
  }
  expect(await r.destroy()).toEqual([]);
}, 600000);

test("the README's resources example: up, OpenSSL, every output, no-op up, destroy", async () => {
  const r = await runExample(RESOURCES_EXAMPLE, "resources");
  expect(r.up).toMatch(/\+ 4 created/);
  expect(r.again).toMatch(/4 unchanged/);
  const out = r.outputs as {
    caCertificatePem: string;
    thumbprint: string;
    pfx: string;
    pfxPassword: string;
    commands: string[];
  };
  expect(Object.keys(out).sort()).toEqual([
    "caCertificatePem",
    "commands",
    "pfx",
    "pfxPassword",
    "thumbprint",
  ]);
  checkWithOpenssl(out.pfx, out.pfxPassword, out.caCertificatePem, out.thumbprint);
  expect(out.pfxPassword).toHaveLength(24);
  // A recording server's default slots, each with its Server Configurator command.
  expect(out.commands).toHaveLength(2);
  for (const c of out.commands) expect(c).toContain(`/thumbprint=${out.thumbprint}`);
  expect(await r.destroy()).toEqual([]);
}, 600000);

/**
 * A user's own Pulumi program, as a user makes it: `npm pack` this repository, install the tarball (and the peer
 * dependencies) into a project in a temp folder outside the repository, write the README's examples (taken from
 * README.md, so that they cannot drift) as its index.ts, and run the plain Pulumi CLI with its Node.js language
 * host: `pulumi up`, every certificate checked with OpenSSL and every output present, a second `up` that changes
 * nothing, then `pulumi destroy` (after unprotecting the CA, as the README says). The project has the tsconfig
 * `pulumi new typescript` writes (strict, no skipLibCheck), so the package's declarations are compiled as a user's
 * are. A third program is what a Pulumi user writes next: two sites sharing a server name, names and addresses
 * from another resource's outputs (unknown at the first preview), an Output<boolean> setting, a SiteConfigError
 * caught with instanceof; and `npx xprotect-certs bundle` writes that stack's bundles.
 */
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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

/** The tsconfig.json of Pulumi's `typescript` template (`pulumi new typescript`): strict, no skipLibCheck. */
const PULUMI_NEW_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/**
 * What a user writes next: a resource whose outputs are unknown at the first preview (a small dynamic resource, as
 * a DNS record or a VM would be) feeding a site's host name, DNS names, address and an Output<boolean> setting;
 * a second site with the same server name; a bad site whose SiteConfigError is caught with instanceof.
 */
const TWO_SITES_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { Role, SiteConfigError, XProtectSite } from "xprotect-certs";

const hostProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { name: string }) {
    return { id: inputs.name, outs: { fqdn: inputs.name + ".vms.example.local", address: "10.0.0.21" } };
  },
};
class Host extends pulumi.dynamic.Resource {
  public readonly fqdn!: pulumi.Output<string>;
  public readonly address!: pulumi.Output<string>;
  constructor(name: string) {
    super(hostProvider, name, { name, fqdn: undefined, address: undefined }, {});
  }
}
const host = new Host("rec01");
const includeChain: pulumi.Output<boolean> = host.address.apply(() => false);

const a = new XProtectSite("a", {
  ca: { commonName: "Site A CA" },
  defaults: { includeChain },
  servers: {
    rec01: {
      role: "recordingServer",
      hostname: host.fqdn,
      dnsNames: [host.fqdn, "rec01-alias.vms.example.local"],
      ipAddresses: [host.address],
    },
  },
});
const b = new XProtectSite("b", {
  ca: { commonName: "Site B CA" },
  servers: { rec01: { role: "recordingServer", hostname: "rec01.b.example.local" } },
});

let refused = "";
try {
  new XProtectSite("bad", {
    servers: {
      rec01: {
        role: host.fqdn as unknown as Role,
        hostname: "rec01.bad.example.local",
        validityDays: 0,
      },
    },
  });
} catch (e) {
  if (!(e instanceof SiteConfigError)) throw e;
  refused = e.message;
}
export const refusedMessage = refused;

export const contractVersion = a.contractVersion;
export const caCertificatePem = a.caCertificatePem;
export const caCertificateDer = a.caCertificateDer;
export const caThumbprint = a.caThumbprint;
export const caNotAfter = a.caNotAfter;
export const trustedCaCertificates = a.trustedCaCertificates;
export const servers = a.servers;
export const pfx = a.pfx;
export const pfxPasswords = a.pfxPasswords;
export const siteB = { caCertificatePem: b.caCertificatePem, servers: b.servers };
`;

const sh = (cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv) =>
  new Promise<string>((resolve, reject) =>
    execFile(cmd, args, { cwd, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
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
  writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(PULUMI_NEW_TSCONFIG, null, 2));
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
  // As strict as the user's own build: the package's declarations included (no skipLibCheck).
  await sh(path.join(project, "node_modules/.bin/tsc"), ["--noEmit", "-p", "."], project);
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

test("two sites sharing a server name, names and addresses from outputs, Output<boolean>, SiteConfigError, npx xprotect-certs bundle", async () => {
  const r = await runExample(TWO_SITES_PROGRAM, "two-sites");
  // The stack, the host, and per site the component, its CA, a certificate and a binding.
  expect(r.up).toMatch(/\+ 10 created/);
  expect(r.again).toMatch(/10 unchanged/);
  const out = r.outputs as {
    refusedMessage: string;
    caCertificatePem: string;
    servers: Record<
      string,
      { hostname: string; dnsNames: string[]; ipAddresses: string[]; thumbprint: string }
    >;
    pfx: Record<string, string>;
    pfxPasswords: Record<string, string>;
    siteB: { caCertificatePem: string; servers: Record<string, { thumbprint: string }> };
  };
  // The bad site: caught as a SiteConfigError, naming the plain field given an output and the bad value.
  expect(out.refusedMessage).toMatch(/servers\.rec01\.role: is an output/);
  expect(out.refusedMessage).toMatch(/servers\.rec01\.validityDays: 0 is out of range/);
  expect(out.refusedMessage).not.toMatch(/toJSON/);

  // Names and address from the host's outputs, as issued (OpenSSL and Node's X509Certificate).
  const rec01 = out.servers.rec01;
  expect(rec01.hostname).toBe("rec01.vms.example.local");
  expect(rec01.dnsNames).toEqual(["rec01.vms.example.local", "rec01-alias.vms.example.local"]);
  expect(rec01.ipAddresses).toEqual(["10.0.0.21"]);
  checkWithOpenssl(out.pfx.rec01, out.pfxPasswords.rec01, out.caCertificatePem, rec01.thumbprint);
  const files = { "p.pfx": Buffer.from(out.pfx.rec01, "base64") };
  const pass = `pass:${out.pfxPasswords.rec01}`;
  const leaf = openssl(["pkcs12", "-in", "p.pfx", "-passin", pass, "-nokeys", "-clcerts"], files).stdout;
  expect(new X509Certificate(leaf).subjectAltName).toBe(
    "DNS:rec01.vms.example.local, DNS:rec01-alias.vms.example.local, IP Address:10.0.0.21",
  );
  // includeChain, an Output<boolean> (false): the PFX holds no CA certificate.
  const chain = openssl(["pkcs12", "-in", "p.pfx", "-passin", pass, "-nokeys", "-cacerts"], files);
  expect(chain.status).toBe(0);
  expect(chain.stdout).not.toContain("BEGIN CERTIFICATE");

  // Site b's rec01: its own certificate from its own CA.
  expect(out.siteB.servers.rec01.thumbprint).not.toBe(rec01.thumbprint);
  expect(out.siteB.caCertificatePem).not.toBe(out.caCertificatePem);

  // Children named <site>-<server>; each component carries its non-secret outputs, never the PFX.
  const state = JSON.parse(await pulumi.run(["stack", "export", "--stack", "two-sites"], project)) as {
    deployment: { resources: Array<{ urn: string; type: string; outputs?: Record<string, unknown> }> };
  };
  const names = state.deployment.resources.map((x) => x.urn.split("::").pop());
  for (const n of ["a-rec01", "b-rec01"]) expect(names.filter((x) => x === n)).toHaveLength(2); // cert, binding
  for (const n of ["a-ca", "b-ca"]) expect(names.filter((x) => x === n)).toHaveLength(1);
  const componentA = state.deployment.resources.find((x) => x.urn.endsWith("XProtectSite::a"))!;
  expect(componentA.outputs?.caThumbprint).toMatch(/^[0-9A-F]{40}$/);
  expect(Object.keys(componentA.outputs?.servers as object)).toEqual(["rec01"]);
  expect(componentA.outputs).not.toHaveProperty("pfx");
  expect(componentA.outputs).not.toHaveProperty("pfxPasswords");

  // The package's command, in a folder of the project (it finds Pulumi.yaml above), with the user's backend and
  // passphrase from the environment: this stack's bundles.
  const sub = path.join(project, "ops");
  mkdirSync(sub, { recursive: true });
  const bundles = path.join(base, "bundles");
  const said = await sh(
    "npx",
    [
      "--no-install",
      "xprotect-certs",
      "bundle",
      "--stack",
      "two-sites",
      "--all",
      "--clients",
      "--out",
      bundles,
    ],
    sub,
    { ...process.env, ...pulumi.env },
  );
  expect(said).toContain("rec01 (recordingServer)");
  expect(readdirSync(bundles).sort()).toEqual(["clients", "order.txt", "rec01"]);
  const manifest = JSON.parse(readFileSync(path.join(bundles, "rec01/rec01.json"), "utf8")) as {
    thumbprint: string;
    pfxFile: string;
  };
  expect(manifest.thumbprint).toBe(rec01.thumbprint);
  const bundled = readFileSync(path.join(bundles, "rec01", manifest.pfxFile)).toString("base64");
  checkWithOpenssl(bundled, out.pfxPasswords.rec01, out.caCertificatePem, rec01.thumbprint);
  expect(existsSync(path.join(bundles, "clients/Install-XProtectRootCertificates.ps1"))).toBe(true);
  const caThumbprint = new X509Certificate(out.caCertificatePem).fingerprint.replace(/:/g, "");
  expect(readdirSync(path.join(bundles, "clients")).filter((f) => f.endsWith(".cer"))).toEqual([
    `ca-${caThumbprint}.cer`,
  ]);
  // No passphrase file or state was written into the installed package.
  const installed = readdirSync(path.join(project, "node_modules/xprotect-certs"));
  expect(installed.filter((f) => f.startsWith(".pulumi"))).toEqual([]);

  expect(await r.destroy()).toEqual([]);
}, 900000);

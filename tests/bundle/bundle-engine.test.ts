/**
 * `npm run bundle` on the real engine: a 3-server site is issued, then bundled with the CLI as a user runs it
 * (its own process, the site's backend, passphrase and work folder). Every PFX is opened with OpenSSL using its
 * manifest's password; its key matches only its own server's certificate; no other server's thumbprint, PFX or
 * password is in any file of its folder; modes are 0600/0700; manifests validate; the client kit holds the
 * stack's roots and nothing private. Unknown servers and stacks, and an --out the repository does not ignore,
 * are refused with nothing written.
 */
import { execFile } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Ajv2020 from "ajv/dist/2020";
import { repoRoot } from "../../scripts/engine/workspace";
import { siteProgram } from "../../stacks";
import { TEST_PASSPHRASE, tempSite, TempSite } from "../engine/harness";
import { openssl } from "../helpers/openssl";

const SERVERS = {
  rec01: { role: "recordingServer", hostname: "rec01.vms.example.local", ipAddresses: ["10.0.0.11"] },
  mgmt01: { role: "managementServer", hostname: "mgmt01.vms.example.local" },
  event01: { role: "eventServer", hostname: "event01.vms.example.local" },
};
const NAMES = Object.keys(SERVERS);

type Outputs = {
  caCertificateDer: string;
  caThumbprint: string;
  servers: Record<string, { thumbprint: string; role: string }>;
  pfx: Record<string, string>;
  pfxPasswords: Record<string, string>;
};

let site: TempSite;
let o: Outputs;
let out: string;

function bundle(args: string[], stack = "bundle"): Promise<{ code: number; out: string; err: string }> {
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: pathToFileURL(site.backendDir).href,
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    XPROTECT_CERTS_WORKDIR: site.workDir,
  };
  const cli = join(repoRoot(), "dist/scripts/bundle/cli.js");
  return new Promise((resolve) =>
    execFile(process.execPath, [cli, "--stack", stack, ...args], { env }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, out: stdout, err: stderr }),
    ),
  );
}

const mode = (p: string) => statSync(p).mode & 0o777;
const sha1 = (b: Buffer) => createHash("sha1").update(b).digest("hex").toUpperCase();
/** The public key (SPKI, DER) of a PEM certificate or private key, by OpenSSL. */
const publicKeyOf = (pem: string, kind: "x509" | "pkey") =>
  openssl(
    kind === "x509" ? ["x509", "-in", "in.pem", "-noout", "-pubkey"] : ["pkey", "-in", "in.pem", "-pubout"],
    {
      "in.pem": pem,
    },
  ).stdout.trim();

beforeAll(async () => {
  site = await tempSite({ stackName: "bundle", program: siteProgram });
  await site.setConfig({
    "xprotect-certs:site": { value: JSON.stringify({ ca: { rsaBits: 2048 }, servers: SERVERS }) },
  });
  await site.up();
  o = (await site.outputs()) as unknown as Outputs;
  out = join(mkdtempSync(join(tmpdir(), "xpc-bundle-")), "bundle");
}, 300_000);

afterAll(async () => {
  if (out) rmSync(join(out, ".."), { recursive: true, force: true });
  await site?.cleanup();
});

test("--all --clients writes one folder per server with only its material, order.txt and the client kit", async () => {
  const r = await bundle(["--all", "--clients", "--out", out]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  expect(readFileSync(join(out, "order.txt"), "utf8")).toBe("mgmt01\nrec01\nevent01\n");
  expect(mode(out)).toBe(0o700);
  const validate = new Ajv2020({ allErrors: true }).compile(
    JSON.parse(readFileSync(join(repoRoot(), "scripts/bundle/manifest.schema.json"), "utf8")),
  );
  const ca = `ca-${o.caThumbprint}.cer`;
  const certPems: Record<string, string> = {};

  for (const name of NAMES) {
    const dir = join(out, name);
    expect(mode(dir)).toBe(0o700);
    expect(readdirSync(dir).sort()).toEqual([ca, `${name}.json`, `${name}.pfx`].sort());
    for (const f of readdirSync(dir)) expect({ f, mode: mode(join(dir, f)) }).toEqual({ f, mode: 0o600 });

    const manifest = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));
    validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(manifest).toMatchObject({
      server: name,
      thumbprint: o.servers[name].thumbprint,
      pfxPassword: o.pfxPasswords[name],
    });
    expect(manifest.trustedCaCertificates).toEqual([
      {
        thumbprint: o.caThumbprint,
        notAfter: expect.any(String),
        status: "active",
        certificateDer: o.caCertificateDer,
        file: ca,
      },
    ]);
    expect(readFileSync(join(dir, ca))).toEqual(Buffer.from(o.caCertificateDer, "base64"));

    // OpenSSL opens the PFX with the manifest's password; its certificate is this server's.
    const files = { "s.pfx": readFileSync(join(dir, `${name}.pfx`)), pw: manifest.pfxPassword };
    const certs = openssl(["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nokeys", "-clcerts"], files);
    const keys = openssl(["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nocerts", "-nodes"], files);
    expect([certs.status, keys.status]).toEqual([0, 0]);
    const leaf = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(certs.stdout)![0];
    expect(new X509Certificate(leaf).fingerprint.replace(/:/g, "")).toBe(o.servers[name].thumbprint);
    expect(keys.stdout.match(/-----BEGIN PRIVATE KEY-----/g)).toHaveLength(1);
    const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(keys.stdout)![0];
    expect(publicKeyOf(key, "pkey")).toBe(publicKeyOf(leaf, "x509"));
    certPems[name] = leaf;
  }

  // Each key matches only its own server's certificate, and no folder holds another server's secrets or names.
  for (const name of NAMES) {
    const dir = join(out, name);
    const keys = openssl(
      ["pkcs12", "-in", "s.pfx", "-passin", `pass:${o.pfxPasswords[name]}`, "-nocerts", "-nodes"],
      {
        "s.pfx": readFileSync(join(dir, `${name}.pfx`)),
      },
    ).stdout;
    const pub = publicKeyOf(keys, "pkey");
    for (const other of NAMES)
      expect({ other, match: publicKeyOf(certPems[other], "x509") === pub }).toEqual({
        other,
        match: other === name,
      });

    const contents = readdirSync(dir).map((f) => readFileSync(join(dir, f)));
    const text = contents.map((b) => b.toString("latin1")).join("\n");
    for (const other of NAMES.filter((n) => n !== name)) {
      expect(text).not.toContain(o.servers[other].thumbprint);
      expect(text).not.toContain(o.pfxPasswords[other]);
      expect(text).not.toContain(o.pfx[other].slice(0, 64));
      const otherPfx = Buffer.from(o.pfx[other], "base64");
      for (const b of contents) expect(b.includes(otherPfx.subarray(0, 256))).toBe(false);
    }
  }

  // The client kit: the stack's roots and the script; no key, no PFX, no password.
  const clients = join(out, "clients");
  expect(readdirSync(clients).sort()).toEqual(
    [ca, "Install-XProtectRootCertificates.ps1", "site.txt"].sort(),
  );
  expect(readFileSync(join(clients, "site.txt"), "utf8")).toBe("bundle\n");
  const roots = readdirSync(clients).filter((f) => f.endsWith(".cer"));
  expect(roots.map((f) => sha1(readFileSync(join(clients, f))))).toEqual([o.caThumbprint]);
  for (const f of readdirSync(clients)) {
    const b = readFileSync(join(clients, f));
    expect(b.toString("latin1")).not.toMatch(/PRIVATE KEY|pfxPassword/);
    for (const n of NAMES) {
      expect(b.toString("latin1")).not.toContain(o.pfxPasswords[n]);
      expect(b.includes(Buffer.from(o.pfx[n], "base64").subarray(0, 256))).toBe(false);
    }
  }
  const parsedRoot = openssl(["x509", "-inform", "DER", "-in", "r.cer", "-noout", "-text"], {
    "r.cer": readFileSync(join(clients, ca)),
  });
  expect(parsedRoot.stdout).toMatch(/CA:TRUE/);
});

test("an unknown server, an unknown stack and an --out the repository does not ignore are refused; nothing is written", async () => {
  const fresh = join(out, "..", "fresh");
  const unknownServer = await bundle(["--server", "rec01", "--server", "rec99", "--out", fresh]);
  expect(unknownServer.code).toBe(2);
  expect(unknownServer.err).toMatch(
    /--server rec99: stack "bundle" has no server "rec99"; its servers: event01, mgmt01, rec01/,
  );

  const unknownStack = await bundle(["--all", "--out", fresh], "nosuchstack");
  expect(unknownStack.code).toBe(2);
  expect(unknownStack.err).toMatch(
    /reading the outputs of stack "nosuchstack" failed: .*no stack named 'nosuchstack' found/,
  );
  expect(unknownStack.err).toMatch(/npm run pulumi -- stack ls/);
  expect(existsSync(fresh)).toBe(false);

  const inRepo = join(repoRoot(), "scripts", `not-ignored-${process.pid}`);
  const refused = await bundle(["--server", "rec01", "--out", inRepo]);
  expect(refused.code).toBe(2);
  expect(refused.err).toMatch(/is inside the git repository .* and git does not ignore it/);
  expect(existsSync(inRepo)).toBe(false);
  for (const r of [unknownServer, unknownStack, refused]) {
    for (const n of NAMES) expect(r.err + r.out).not.toContain(o.pfxPasswords[n]);
  }
});

test("npm run up prints the server table, not the engine's list of outputs (no PEM, no slot entry)", async () => {
  const r = await site.npmRun("up");
  expect(r.code).toBe(0);
  expect(r.output).toMatch(/^server +role +hostname +thumbprint +notAfter +renewalDue$/m);
  for (const name of NAMES) {
    expect(r.output).toMatch(
      new RegExp(`^${name} +${o.servers[name].role} +.*${o.servers[name].thumbprint}`, "m"),
    );
  }
  expect(r.output).toContain("All outputs: npm run pulumi -- stack output --stack bundle");
  expect(r.output).not.toMatch(/^Outputs:$/m);
  expect(r.output).not.toContain("BEGIN CERTIFICATE");
  expect(r.output).not.toContain("/enableencryption");
  expect(r.output).not.toContain(o.caCertificateDer.slice(0, 40));
});

/**
 * Public certificates from an ACME CA on the real engine, against Pebble (started here, on 127.0.0.1, with
 * pebble-challtestsrv as its DNS server; the site's hook sets the TXT records through challtestsrv's API):
 * - the first up orders one certificate: it chains (openssl verify) to Pebble's root through the intermediates the
 *   PFX holds (never the root), has the public name as SAN, and a client trusting only Pebble's root completes a
 *   TLS handshake; the public slot's command names it, the server slot keeps the site certificate;
 * - a second up places no order (Pebble's issuance count stays);
 * - past renewalDue (XPROTECT_CERTS_NOW), a hook that exits 1 fails the up naming the directory, the name and the
 *   hook's exit, and the current certificate stays in the outputs;
 * - with the hook fixed, one up replaces only the public certificate;
 * - with Pebble stopped, the up fails naming the directory, and the current certificate stays.
 * Few ups on purpose: each one costs CI time.
 */
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tls from "node:tls";
import Ajv2020 from "ajv/dist/2020";
import { siteProgram } from "../../stacks";
import { parseBundleOutputs } from "../../scripts/bundle/manifest";
import { planBundle } from "../../scripts/bundle/plan";
import { tempSite, TempSite } from "../engine/harness";
import { openssl } from "../helpers/openssl";
import { Pebble, startPebble } from "../helpers/pebble";

jest.setTimeout(15 * 60 * 1000);
const DAY = 86_400_000;

interface PublicCert {
  thumbprint: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  renewalDue: string;
  dnsNames: string[];
  slots: string[];
}
interface Server {
  thumbprint: string;
  slots: Array<{ slot: string; thumbprint: string; command: string }>;
  publicCertificate: PublicCert;
}

let pebble: Pebble;
let site: TempSite;

beforeAll(async () => {
  pebble = await startPebble({ validityDays: 30 });
});
afterAll(async () => {
  delete process.env.XPROTECT_CERTS_NOW;
  delete process.env.XPROTECT_CERTS_WORKDIR;
  await site?.cleanup();
  await pebble?.stop();
});

function setNow(iso: string | undefined): void {
  site.setEnv({ XPROTECT_CERTS_NOW: iso });
  if (iso === undefined) delete process.env.XPROTECT_CERTS_NOW;
  else process.env.XPROTECT_CERTS_NOW = iso;
}

const hookFile = () => path.join(site.workDir, "dns", "acme-hook.sh");
function installHook(failing: boolean): void {
  fs.mkdirSync(path.dirname(hookFile()), { recursive: true });
  if (failing)
    fs.writeFileSync(hookFile(), "#!/bin/sh\necho 'zone update refused' >&2\nexit 1\n", { mode: 0o755 });
  else fs.copyFileSync(pebble.hook, hookFile());
  fs.chmodSync(hookFile(), 0o755);
}

/** The certificates of a PFX (PEM blocks, leaf first) as OpenSSL reads them. */
function pfxCertificates(pfxBase64: string, password: string): X509Certificate[] {
  const r = openssl(["pkcs12", "-in", "p.pfx", "-passin", "file:pw", "-nokeys"], {
    "p.pfx": Buffer.from(pfxBase64, "base64"),
    pw: password,
  });
  expect(r.status).toBe(0);
  return (r.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map(
    (pem) => new X509Certificate(pem),
  );
}

/** A TLS server with the PFX; a client trusting only `rootPem` connects to `servername`. */
async function handshake(pfxBase64: string, password: string, rootPem: string, servername: string) {
  const server = tls.createServer({ pfx: Buffer.from(pfxBase64, "base64"), passphrase: password }, (s) =>
    s.end(),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<{ authorized: boolean; error?: string }>((resolve) => {
      const c = tls.connect({ host: "127.0.0.1", port, servername, ca: [rootPem] }, () => {
        resolve({ authorized: c.authorized });
        c.end();
      });
      c.on("error", (e) => resolve({ authorized: false, error: e.message }));
    });
  } finally {
    server.close();
  }
}

test("Pebble: issue, no-op, failing hook keeps, renewal replaces only the public certificate, CA down keeps", async () => {
  site = await tempSite({
    stackName: "acme",
    program: siteProgram,
    env: { NODE_EXTRA_CA_CERTS: pebble.minicaPem },
    config: {
      "xprotect-certs:site": {
        value: JSON.stringify({
          ca: { rsaBits: 2048 },
          acme: {
            directory: pebble.directoryUrl,
            email: "vms-admin@example.com",
            dns01: { command: ["./dns/acme-hook.sh"], resolvers: [pebble.dnsServer] },
          },
          servers: {
            mobile01: {
              role: "mobileServer",
              hostname: "mobile01.vms.example.local",
              public: { dnsNames: ["Mobile.Example.com"] },
            },
          },
        }),
      },
    },
  });
  // The inline program's project folder (a plain `pulumi up` has it from the engine; npm run up from the CLI).
  process.env.XPROTECT_CERTS_WORKDIR = site.workDir;
  // preview, before the hook exists: refused at preview, naming the hook and the fix; nothing reaches the CA.
  const noHook = await site.npmRun("preview");
  expect(noHook.code).not.toBe(0);
  expect(noHook.output).toMatch(
    /dns01Command: the dns01 hook cannot run: .*dns\/acme-hook\.sh does not exist: give the hook's path relative to the project folder/,
  );
  expect(pebble.log()).not.toMatch(/-> calling handler/); // Pebble logs every request it handles
  installHook(false);

  // First up: the account and one order.
  const first = await site.up();
  // stack, component, CA, certificate, binding, account, public certificate
  expect(first.changeSummary).toEqual({ create: 7 });
  expect(pebble.issued()).toBe(1);
  // The outputs (contract v1, with the public certificate added) fit the schema.
  const schema = JSON.parse(
    fs.readFileSync(path.join(__dirname, "../../stacks/outputs.schema.json"), "utf8"),
  );
  const validate = new Ajv2020({ allErrors: true }).compile(schema);
  validate(first.outputs);
  expect(validate.errors ?? []).toEqual([]);
  const servers = first.outputs.servers as Record<string, Server>;
  const mobile = servers.mobile01;
  const pub = mobile.publicCertificate;
  expect(pub.dnsNames).toEqual(["mobile.example.com"]);
  expect(pub.slots).toEqual(["mobileStreamingMedia"]);
  const slot = (name: string) => mobile.slots.find((s) => s.slot === name)!;
  expect(slot("mobileStreamingMedia").thumbprint).toBe(pub.thumbprint);
  expect(slot("mobileStreamingMedia").command).toContain(`/thumbprint=${pub.thumbprint}`);
  expect(slot("server").thumbprint).toBe(mobile.thumbprint);
  expect(slot("server").command).toContain(`/thumbprint=${mobile.thumbprint}`);
  expect(pub.thumbprint).not.toBe(mobile.thumbprint);

  const publicPfx = (first.outputs.publicPfx as Record<string, string>).mobile01;
  const password = (first.outputs.publicPfxPasswords as Record<string, string>).mobile01;
  const inPfx = pfxCertificates(publicPfx, password);
  const root = await pebble.rootPem();
  const rootX = new X509Certificate(root);
  const [leaf, ...intermediates] = inPfx;
  expect(leaf.fingerprint.replace(/:/g, "")).toBe(pub.thumbprint);
  expect(leaf.subjectAltName).toBe("DNS:mobile.example.com");
  expect(intermediates.length).toBeGreaterThanOrEqual(1);
  expect(inPfx.some((x) => x.fingerprint256 === rootX.fingerprint256)).toBe(false);
  const verify = openssl(["verify", "-CAfile", "root.pem", "-untrusted", "chain.pem", "leaf.pem"], {
    "root.pem": root,
    "chain.pem": intermediates.map((x) => x.toString()).join(""),
    "leaf.pem": leaf.toString(),
  });
  expect(verify.stdout + verify.stderr).toContain("leaf.pem: OK");
  expect(await handshake(publicPfx, password, root, "mobile.example.com")).toEqual({ authorized: true });
  // Renewal: never before two thirds of the lifetime (Pebble's window is around there too).
  const life = Date.parse(pub.notAfter) - Date.parse(pub.notBefore);
  expect(Date.parse(pub.renewalDue)).toBeGreaterThanOrEqual(
    Date.parse(pub.notBefore) + (life * 2) / 3 - 2 * DAY,
  );
  // The bundle: both PFX in the server's folder, the manifest (validated against its schema by planBundle) says
  // which slot uses which thumbprint.
  const parsed = parseBundleOutputs(first.outputs, "the outputs");
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  const plan = planBundle({ outputs: parsed.value, stack: "acme", servers: ["mobile01"] });
  const file = (p: string) => plan.files.find((f) => f.path === p)?.content;
  expect(file("mobile01/mobile01-public.pfx")?.toString("base64")).toBe(publicPfx);
  expect(file("mobile01/mobile01.pfx")?.toString("base64")).toBe(
    (first.outputs.pfx as Record<string, string>).mobile01,
  );
  const manifest = JSON.parse(file("mobile01/mobile01.json")!.toString());
  expect(manifest.publicPfxFile).toBe("mobile01-public.pfx");
  expect(manifest.publicPfxPassword).toBe(password);
  expect(manifest.publicCertificate.thumbprint).toBe(pub.thumbprint);
  expect(
    Object.fromEntries(
      manifest.slots.map((s: { slot: string; thumbprint: string }) => [s.slot, s.thumbprint]),
    ),
  ).toEqual({ server: mobile.thumbprint, mobileStreamingMedia: pub.thumbprint });

  // Pebble serves renewal information (RFC 9773): renewalDue is the start of its suggested window.
  const exported = await site.exportState();
  const publicState = exported.deployment.resources.find((r: { urn: string }) =>
    r.urn.endsWith("site-mobile01-public"),
  );
  expect(publicState.outputs.renewalBasis).toBe("renewalInfo");
  expect(publicState.outputs.suggestedWindowStart).toBe(pub.renewalDue);
  // The account key and the PFX are secrets in the state.
  const state = JSON.stringify(exported);
  expect(state).not.toContain("PRIVATE KEY");
  expect(state).not.toContain(publicPfx.slice(0, 64));

  // Second up: nothing to do, no order.
  const again = await site.up();
  expect(again.changeSummary).toEqual({ same: 7 });
  expect(pebble.issued()).toBe(1);

  // Past renewalDue with a hook that fails: the up fails, nothing is lost.
  const past = new Date(Date.parse(pub.renewalDue) + DAY).toISOString();
  setNow(past);
  installHook(true);
  const failed = await site.npmRun("up");
  expect(failed.code).not.toBe(0);
  expect(failed.output).toContain(pebble.directoryUrl);
  expect(failed.output).toContain("mobile.example.com");
  expect(failed.output).toMatch(
    /dns01 hook "\.\/dns\/acme-hook\.sh present _acme-challenge\.mobile\.example\.com\." failed \(exit 1\): zone update refused\. The current public certificate [0-9A-F]{40} .* are kept/,
  );
  expect(pebble.issued()).toBe(1);
  const kept = (await site.outputs()).servers as Record<string, Server>;
  expect(kept.mobile01.publicCertificate.thumbprint).toBe(pub.thumbprint);

  // The hook fixed: one up replaces only the public certificate.
  installHook(false);
  const renewed = await site.up();
  expect(renewed.changeSummary).toEqual({ update: 1, same: 6 });
  expect(pebble.issued()).toBe(2);
  const after = renewed.outputs.servers as Record<string, Server>;
  expect(after.mobile01.publicCertificate.thumbprint).not.toBe(pub.thumbprint);
  expect(after.mobile01.thumbprint).toBe(mobile.thumbprint);

  // The CA unreachable: the up fails naming the directory; the certificate stays.
  await pebble.stopPebble();
  setNow(new Date(Date.parse(after.mobile01.publicCertificate.renewalDue) + DAY).toISOString());
  const down = await site.npmRun("up");
  expect(down.code).not.toBe(0);
  expect(down.output).toContain(`ACME CA ${pebble.directoryUrl}`);
  expect(down.output).toMatch(/ECONNREFUSED/);
  const still = (await site.outputs()).servers as Record<string, Server>;
  expect(still.mobile01.publicCertificate.thumbprint).toBe(after.mobile01.publicCertificate.thumbprint);
});

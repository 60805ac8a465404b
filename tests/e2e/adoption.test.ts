/**
 * Adoption on the real engine: a site takes over the vendor's CA (PFX, 3DES) and rec01's installed
 * certificate; both keep their thumbprints, rec02 is issued by the adopted CA (openssl verify), the preview
 * warns about the CA's missing basicConstraints, a second up changes nothing, and nothing secret is in the
 * state in plaintext. A wrong CA password fails at preview, naming the config key.
 */
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { siteProgram } from "../../stacks";
import { tempSite, TempSite } from "../engine/harness";
import { openssl } from "../helpers/openssl";
import { plaintextLeaks, secretsOf } from "../helpers/secrets";
import { FIXTURE_PASSWORD, Fixtures, makeFixtures } from "../helpers/vendor-fixtures";

jest.setTimeout(10 * 60 * 1000);

let fx: Fixtures;
let site: TempSite;
let keylog: string;

const SITE = {
  defaults: { autoRenew: true },
  servers: {
    rec01: { role: "recordingServer", hostname: "rec01.vms.example.local" },
    rec02: { role: "recordingServer", hostname: "rec02.vms.example.local" },
  },
};

beforeAll(async () => {
  fx = makeFixtures();
  keylog = join(mkdtempSync(join(tmpdir(), "xpc-keylog-")), "keys.log");
  appendFileSync(keylog, "");
  site = await tempSite({ stackName: "adopt", program: siteProgram, env: { XPROTECT_CERTS_KEYLOG: keylog } });
  await site.setConfig({
    "xprotect-certs:site": { value: JSON.stringify(SITE) },
    "xprotect-certs:caPfx": { value: fx.vendorCa.pfx3des, secret: true },
    "xprotect-certs:caPfxPassword": { value: FIXTURE_PASSWORD, secret: true },
    "xprotect-certs:serverPfx": { value: JSON.stringify({ rec01: fx.vendorServer.pfxAes }), secret: true },
    "xprotect-certs:pfxPasswords": { value: JSON.stringify({ rec01: FIXTURE_PASSWORD }), secret: true },
  });
});

afterAll(async () => {
  await site?.cleanup();
});

type Servers = Record<string, { thumbprint: string }>;

test("the vendor's CA and rec01's installed certificate are adopted; rec02 is issued by that CA", async () => {
  const preview = await site.preview();
  expect(preview.stdout).toMatch(/warning: The adopted CA has no basicConstraints/);

  const up = await site.up();
  expect(up.changeSummary.create).toBe(7); // stack, XProtectSite, CA, 2 certificates, 2 bindings
  expect(up.outputs.caThumbprint).toBe(fx.vendorCa.thumbprint);
  const servers = up.outputs.servers as Servers;
  expect(servers.rec01.thumbprint).toBe(fx.vendorServer.thumbprint);
  // Only rec02's key was made.
  expect(readFileSync(keylog, "utf8").trim().split("\n").filter(Boolean)).toHaveLength(1);

  const secrets = await site.cli(["stack", "output", "--json", "--show-secrets"]);
  const out = JSON.parse(secrets) as {
    pfx: Record<string, string>;
    caCertificatePem: string;
    pfxPasswords: Record<string, string>;
  };
  const rec02 = openssl(
    [
      "pkcs12",
      "-in",
      "s.pfx",
      "-passin",
      `pass:${out.pfxPasswords.rec02}`,
      "-nokeys",
      "-clcerts",
      "-out",
      "leaf.pem",
    ],
    { "s.pfx": Buffer.from(out.pfx.rec02, "base64") },
  );
  expect(rec02.status).toBe(0);
  const leaf = openssl(
    ["pkcs12", "-in", "s.pfx", "-passin", `pass:${out.pfxPasswords.rec02}`, "-nokeys", "-clcerts"],
    {
      "s.pfx": Buffer.from(out.pfx.rec02, "base64"),
    },
  ).stdout;
  const verified = openssl(["verify", "-purpose", "sslserver", "-CAfile", "ca.pem", "leaf.pem"], {
    "ca.pem": fx.vendorCa.certPem,
    "leaf.pem": leaf.slice(leaf.indexOf("-----BEGIN CERTIFICATE-----")),
  });
  expect(verified.stdout.trim()).toBe("leaf.pem: OK");
  expect(out.caCertificatePem.replace(/\s/g, "")).toBe(fx.vendorCa.certPem.replace(/\s/g, ""));

  const stored = await site.exportState();
  const state = JSON.stringify(stored);
  for (const secret of [
    fx.vendorCa.pfx3des.slice(0, 64),
    fx.vendorServer.pfxAes.slice(0, 64),
    FIXTURE_PASSWORD,
    "PRIVATE KEY",
  ]) {
    expect(state).not.toContain(secret);
  }
  // And every secret the engine marked, in every form (the adopted CA's compact key included).
  const marked = secretsOf(stored, await site.exportState({ showSecrets: true }));
  expect([...marked].some((x) => x.startsWith("rsa-pq1."))).toBe(true);
  expect(plaintextLeaks(marked, state, site.backendDir)).toEqual([]);

  const again = await site.up();
  expect(again.changeSummary).toEqual({ same: 7 });
  expect(readFileSync(keylog, "utf8").trim().split("\n").filter(Boolean)).toHaveLength(1);
});

test("a wrong CA password fails at preview, naming the config key", async () => {
  await site.setConfig({ "xprotect-certs:caPfxPassword": { value: "not-the-password", secret: true } });
  const r = await site.npmRun("preview");
  expect(r.code).not.toBe(0);
  expect(r.output).toMatch(/xprotect-certs:caPfxPassword: the password is wrong/);
});

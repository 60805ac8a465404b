/**
 * External account binding on the real engine, against Pebble with `externalAccountBindingRequired` (its own test
 * key kid-1): a wrong HMAC key fails the up naming the directory and the CA's refusal, and creates no account; the
 * right one (secret config xprotect-certs:acmeEabHmacKey) registers the account and the certificate is issued.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { siteProgram } from "../../stacks";
import { tempSite, TempSite } from "../engine/harness";
import { Pebble, startPebble } from "../helpers/pebble";

jest.setTimeout(10 * 60 * 1000);

let pebble: Pebble;
let site: TempSite;

beforeAll(async () => {
  pebble = await startPebble({ eab: true });
});
afterAll(async () => {
  delete process.env.XPROTECT_CERTS_WORKDIR;
  await site?.cleanup();
  await pebble?.stop();
});

test("EAB: a wrong HMAC key is refused by the CA, the right one registers and issues", async () => {
  const [keyId, hmacKey] = Object.entries(pebble.eab!)[0];
  site = await tempSite({
    stackName: "acme-eab",
    program: siteProgram,
    env: { NODE_EXTRA_CA_CERTS: pebble.minicaPem },
    config: {
      "xprotect-certs:site": {
        value: JSON.stringify({
          ca: { rsaBits: 2048 },
          acme: {
            directory: pebble.directoryUrl,
            email: "vms-admin@example.com",
            dns01: { command: ["./acme-hook.sh"] },
            externalAccountBinding: { keyId },
          },
          servers: {
            mobile01: {
              role: "mobileServer",
              hostname: "mobile01.vms.example.local",
              public: { dnsNames: ["mobile.example.com"] },
            },
          },
        }),
      },
      "xprotect-certs:acmeEabHmacKey": {
        value: Buffer.from("not the key the CA gave").toString("base64url"),
        secret: true,
      },
    },
  });
  process.env.XPROTECT_CERTS_WORKDIR = site.workDir;
  fs.copyFileSync(pebble.hook, path.join(site.workDir, "acme-hook.sh"));
  fs.chmodSync(path.join(site.workDir, "acme-hook.sh"), 0o755);

  const refused = await site.npmRun("up");
  expect(refused.code).not.toBe(0);
  expect(refused.output).toContain(`ACME CA ${pebble.directoryUrl}: registering the ACME account failed:`);
  expect(refused.output).toMatch(/externalAccountBinding|EAB|HMAC|signature/i);
  expect(pebble.issued()).toBe(0);

  await site.setConfig({ "xprotect-certs:acmeEabHmacKey": { value: hmacKey, secret: true } });
  const up = await site.up();
  expect(up.changeSummary.create).toBeGreaterThanOrEqual(2); // the account and the public certificate
  expect(pebble.issued()).toBe(1);
  const servers = up.outputs.servers as Record<string, { publicCertificate: { dnsNames: string[] } }>;
  expect(servers.mobile01.publicCertificate.dnsNames).toEqual(["mobile.example.com"]);
  // The HMAC key never appears in the state in the clear.
  expect(JSON.stringify(await site.exportState())).not.toContain(hmacKey);
});

/**
 * The clock's edge cases on the real engine, with XPROTECT_CERTS_NOW moving time (for the provider process and
 * for the program, which computes the warnings):
 * - near the CA's end, a certificate cut short by the CA is reissued once, then not again: two ups in a row,
 *   the second changes nothing and makes no key; the preview warns, naming the CA's end and what to do; a CA
 *   with less than a day left stops the preview with a message naming it;
 * - an installed certificate that is already due when adopted is replaced in the same up, as the preview says.
 */
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { siteProgram } from "../../stacks";
import { tempSite, TempSite } from "../engine/harness";
import { FIXTURE_PASSWORD, makeFixtures } from "../helpers/vendor-fixtures";

jest.setTimeout(10 * 60 * 1000);
const DAY = 86_400_000;

let keylog: string;
const keysMade = () => readFileSync(keylog, "utf8").split("\n").filter(Boolean).length;

/** Moves "now" for the engine's provider process and for this process's program. */
function setNow(site: TempSite, iso: string | undefined): void {
  site.setEnv({ XPROTECT_CERTS_NOW: iso });
  if (iso === undefined) delete process.env.XPROTECT_CERTS_NOW;
  else process.env.XPROTECT_CERTS_NOW = iso;
}

beforeEach(() => {
  keylog = join(mkdtempSync(join(tmpdir(), "xpc-keylog-")), "keys.log");
  appendFileSync(keylog, "");
});
afterEach(() => {
  delete process.env.XPROTECT_CERTS_NOW;
});

describe("near the CA's end", () => {
  let site: TempSite;
  afterAll(async () => site?.cleanup());

  test("one capped reissue, then nothing: the second up changes nothing; preview warns; a CA with hours left stops preview", async () => {
    site = await tempSite({
      stackName: "ca-end",
      program: siteProgram,
      env: { XPROTECT_CERTS_KEYLOG: keylog },
      config: {
        "xprotect-certs:site": {
          value: JSON.stringify({
            ca: { rsaBits: 2048, validityDays: 60 },
            defaults: { validityDays: 30, renewBeforeDays: 20 },
            servers: {
              rec01: { role: "recordingServer", hostname: "rec01.vms.example.local" },
              rec02: { role: "recordingServer", hostname: "rec02.vms.example.local" },
            },
          }),
        },
      },
    });
    const first = await site.up();
    expect(first.changeSummary).toEqual({ create: 1 + 1 + 1 + 2 * 2 }); // stack, site component, CA, 2 x 2
    const caNotAfter = first.outputs.caNotAfter as string;

    setNow(site, new Date(Date.parse(caNotAfter) - 17 * DAY).toISOString());
    const renewed = await site.up();
    expect(renewed.changeSummary).toEqual({ update: 4, same: 3 });
    const servers = renewed.outputs.servers as Record<string, { notAfter: string; thumbprint: string }>;
    expect(servers.rec01.notAfter).toBe(caNotAfter);
    const keys = keysMade();

    const again = await site.up();
    expect(again.changeSummary).toEqual({ same: 1 + 1 + 1 + 2 * 2 });
    expect(keysMade()).toBe(keys);
    expect((again.outputs.servers as typeof servers).rec01.thumbprint).toBe(servers.rec01.thumbprint);

    const preview = await site.npmRun("preview");
    expect(preview.code).toBe(0);
    expect(preview.output).toMatch(
      new RegExp(
        `warning: due for renewal since .*, but this certificate already ends with the site CA ` +
          `\\(${caNotAfter.slice(0, 10)}\\): a new one would not last longer, so it is not reissued\\. Rotate to a new root`,
      ),
    );

    setNow(site, new Date(Date.parse(caNotAfter) - 12 * 3600_000).toISOString());
    const stopped = await site.npmRun("preview");
    expect(stopped.code).not.toBe(0);
    expect(stopped.output).toMatch(
      new RegExp(`caCertificatePem: the site CA .* expires on ${caNotAfter.slice(0, 19)}.*less than a day`),
    );
    expect(keysMade()).toBe(keys);
  });
});

describe("adopting an installed certificate that is already due", () => {
  let site: TempSite;
  afterAll(async () => site?.cleanup());

  test("is replaced in the same up, as the preview says; the next up changes nothing", async () => {
    const fx = makeFixtures();
    site = await tempSite({
      stackName: "adopt-due",
      program: siteProgram,
      env: { XPROTECT_CERTS_KEYLOG: keylog },
    });
    await site.setConfig({
      "xprotect-certs:site": {
        value: JSON.stringify({
          servers: { rec01: { role: "recordingServer", hostname: "rec01.vms.example.local" } },
        }),
      },
      "xprotect-certs:caPfx": { value: fx.vendorCa.pfx3des, secret: true },
      "xprotect-certs:caPfxPassword": { value: FIXTURE_PASSWORD, secret: true },
      "xprotect-certs:serverPfx": { value: JSON.stringify({ rec01: fx.vendorServer.pfx3des }), secret: true },
      "xprotect-certs:pfxPasswords": { value: JSON.stringify({ rec01: FIXTURE_PASSWORD }), secret: true },
    });
    // The vendor's server certificate is valid 365 days: 10 days before its end it is due (renewBeforeDays 30).
    const serverEnd = Date.parse(
      new (await import("node:crypto")).X509Certificate(fx.vendorServer.certPem).validTo,
    );
    setNow(site, new Date(serverEnd - 10 * DAY).toISOString());

    const preview = await site.npmRun("preview");
    expect(preview.code).toBe(0);
    expect(preview.output).toMatch(
      new RegExp(
        `the installed certificate to adopt \\(${fx.vendorServer.thumbprint}\\) is already due for renewal`,
      ),
    );
    const up = await site.up();
    const servers = up.outputs.servers as Record<string, { thumbprint: string; notAfter: string }>;
    expect(up.outputs.caThumbprint).toBe(fx.vendorCa.thumbprint);
    expect(servers.rec01.thumbprint).not.toBe(fx.vendorServer.thumbprint);
    expect(Date.parse(servers.rec01.notAfter)).toBeGreaterThan(serverEnd);
    expect(keysMade()).toBe(1);

    const again = await site.up();
    expect(again.changeSummary).toEqual({ same: 1 + 1 + 1 + 2 });
    expect(again.stdout).not.toMatch(/already due for renewal/);
  });
});

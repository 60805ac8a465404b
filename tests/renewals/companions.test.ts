/**
 * A server's companion certificates in renewals: a clustered management server's identity provider
 * data-protection certificate (`<server>/identity-provider`) and a server's public certificate from the ACME CA
 * (`<server>/public`). Each is listed as its own entry in the report, the calendar and the metrics, and never
 * bumped by --apply (neither has a generation of its own: `up` renews it when due).
 */
import { execFile } from "child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { parse } from "yaml";
import { NOW, siteOutputs } from "./fixtures";

const ROOT = join(__dirname, "../..");
const CLI = join(ROOT, "dist/scripts/renewals/cli.js");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "renewals-idp-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]): Promise<{ code: number; out: string; err: string }> =>
  new Promise((resolve) =>
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: dir, env: { ...process.env, XPROTECT_CERTS_NOW: NOW } },
      (e, out, err) => resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, out, err }),
    ),
  );

/** mgmt01's own certificate is fine, its companion certificate is due since 2027-02-01. */
const DATES = {
  thumbprint: "D".repeat(40),
  serialNumber: "0DD1",
  notBefore: "2025-03-03T00:00:00Z",
  notAfter: "2027-03-03T00:00:00Z",
  renewalDue: "2027-02-01T00:00:00Z",
};
const COMPANIONS = [
  {
    entry: "mgmt01/identity-provider",
    notBumped:
      /mgmt01\/identity-provider not bumped: it has no generation of its own; npm run up reissues it/,
    add: (mgmt: Record<string, unknown>, o: Record<string, unknown>) => {
      mgmt.clusterNodes = ["mgmt-a.example.local", "mgmt-b.example.local"];
      mgmt.identityProviderCertificate = DATES;
      return { ...o, identityProviderPfx: "[secret]", identityProviderPfxPasswords: "[secret]" };
    },
  },
  {
    entry: "mgmt01/public",
    notBumped:
      /mgmt01\/public not bumped: a public certificate has no generation; npm run up orders a new one/,
    add: (mgmt: Record<string, unknown>, o: Record<string, unknown>) => {
      mgmt.publicCertificate = { ...DATES, dnsNames: ["vms.example.com"], slots: ["server"] };
      return { ...o, publicPfx: "[secret]", publicPfxPasswords: "[secret]" };
    },
  },
];

describe.each(COMPANIONS)("$entry", ({ entry, notBumped, add }) => {
  function companionOutputs(): Record<string, unknown> {
    const o = siteOutputs({
      mgmt01: {
        role: "managementServer",
        hostname: "vms.example.local",
        notBefore: "2026-06-01T00:00:00Z",
        notAfter: "2028-06-01T00:00:00Z",
        renewalDue: "2028-05-02T00:00:00Z",
      },
    });
    return add((o.servers as Record<string, Record<string, unknown>>).mgmt01, o);
  }
  const at = (s: string) => s.replace(/[/]/g, "\\/");

  test("report, calendar and metrics list it; --apply bumps nothing for it and says that up renews it", async () => {
    const outputs = join(dir, `${entry.replace("/", "-")}.json`);
    writeFileSync(outputs, JSON.stringify(companionOutputs()));
    const config = join(dir, "Pulumi.companion.yaml");
    copyFileSync(join(ROOT, "stacks/Pulumi.example.yaml"), config);
    const before = readFileSync(config, "utf8");
    const r = await run([
      "--outputs",
      outputs,
      "--config-file",
      config,
      "--apply",
      "--html",
      "cal.html",
      "--metrics",
      "m.prom",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(10); // something is due
    expect(r.out).toMatch(new RegExp(`${at(entry)}\\s.*renewal due since 2027-02-01`));
    expect(r.out).toMatch(notBumped);
    expect(r.out).not.toContain("generation 0 -> 1");
    expect(readFileSync(config, "utf8")).toBe(before);
    expect(parse(before).config["xprotect-certs:site"].servers.mgmt01.generation).toBeUndefined();

    const html = readFileSync(join(dir, "cal.html"), "utf8");
    expect(html).toContain(`data-server="${entry}" data-status="due"`);
    expect(html).toMatch(/data-server="mgmt01" data-status="ok"/);

    const families = parsePrometheusTextFormat(readFileSync(join(dir, "m.prom"), "utf8")) as Array<{
      name: string;
      metrics: { value: string; labels?: Record<string, string> }[];
    }>;
    const notAfter = families.find((f) => f.name === "xprotect_certificate_not_after_timestamp_seconds")!;
    const companion = notAfter.metrics.find((m) => m.labels?.server === entry);
    expect(companion?.labels?.thumbprint).toBe(DATES.thumbprint);
    expect(Number(companion?.value)).toBe(Date.parse(DATES.notAfter) / 1000);
  });

  test("--json gives it as a due entry", async () => {
    const outputs = join(dir, `${entry.replace("/", "-")}-2.json`);
    writeFileSync(outputs, JSON.stringify(companionOutputs()));
    const r = await run(["--outputs", outputs, "--json"]);
    const report = JSON.parse(r.out) as { due: Array<{ server: string; reason: string }>; notDue: number };
    expect(report.due).toEqual([
      expect.objectContaining({ server: entry, reason: "renewal due since 2027-02-01" }),
    ]);
    expect(report.notDue).toBe(1); // mgmt01's own certificate
  });
});

/**
 * A clustered management server's identity provider data-protection certificate in renewals: listed as its own
 * entry (`<server>/identity-provider`) in the report, the calendar and the metrics, and never bumped by --apply (it
 * has no generation of its own: `up` renews it when due, with autoRenew).
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

/** mgmt01 clustered: its own certificate is fine, its identity provider certificate is due since 2027-02-01. */
const IDP = {
  thumbprint: "D".repeat(40),
  serialNumber: "0DD1",
  notBefore: "2025-03-03T00:00:00Z",
  notAfter: "2027-03-03T00:00:00Z",
  renewalDue: "2027-02-01T00:00:00Z",
};
function clusteredOutputs(): Record<string, unknown> {
  const o = siteOutputs({
    mgmt01: {
      role: "managementServer",
      hostname: "vms.example.local",
      notBefore: "2026-06-01T00:00:00Z",
      notAfter: "2028-06-01T00:00:00Z",
      renewalDue: "2028-05-02T00:00:00Z",
    },
  });
  const mgmt = (o.servers as Record<string, Record<string, unknown>>).mgmt01;
  mgmt.clusterNodes = ["mgmt-a.example.local", "mgmt-b.example.local"];
  mgmt.identityProviderCertificate = IDP;
  return { ...o, identityProviderPfx: "[secret]", identityProviderPfxPasswords: "[secret]" };
}

test("report, calendar and metrics list it; --apply bumps nothing for it and says that up renews it", async () => {
  const outputs = join(dir, "o.json");
  writeFileSync(outputs, JSON.stringify(clusteredOutputs()));
  const config = join(dir, "Pulumi.idp.yaml");
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
  expect(r.out).toMatch(/mgmt01\/identity-provider\s.*renewal due since 2027-02-01/);
  expect(r.out).toMatch(
    /mgmt01\/identity-provider not bumped: it has no generation of its own; npm run up reissues it/,
  );
  expect(r.out).not.toContain("generation 0 -> 1");
  expect(readFileSync(config, "utf8")).toBe(before);
  expect(parse(before).config["xprotect-certs:site"].servers.mgmt01.generation).toBeUndefined();

  const html = readFileSync(join(dir, "cal.html"), "utf8");
  expect(html).toMatch(/data-server="mgmt01\/identity-provider" data-status="due"/);
  expect(html).toMatch(/data-server="mgmt01" data-status="ok"/);

  const families = parsePrometheusTextFormat(readFileSync(join(dir, "m.prom"), "utf8")) as Array<{
    name: string;
    metrics: { value: string; labels?: Record<string, string> }[];
  }>;
  const notAfter = families.find((f) => f.name === "xprotect_certificate_not_after_timestamp_seconds")!;
  const idp = notAfter.metrics.find((m) => m.labels?.server === "mgmt01/identity-provider");
  expect(idp?.labels?.thumbprint).toBe(IDP.thumbprint);
  expect(Number(idp?.value)).toBe(Date.parse(IDP.notAfter) / 1000);
});

test("--json gives it as a due entry", async () => {
  const outputs = join(dir, "o2.json");
  writeFileSync(outputs, JSON.stringify(clusteredOutputs()));
  const r = await run(["--outputs", outputs, "--json"]);
  const report = JSON.parse(r.out) as { due: Array<{ server: string; reason: string }>; notDue: number };
  expect(report.due).toEqual([
    expect.objectContaining({ server: "mgmt01/identity-provider", reason: "renewal due since 2027-02-01" }),
  ]);
  expect(report.notDue).toBe(1); // mgmt01's own certificate
});

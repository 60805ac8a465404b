/**
 * Requests waiting for an enterprise CA (issuer external) in every renewals view: the report, the PR body, the
 * JSON report, the metrics and the calendar each list them with the certreq command; a site without any is
 * reported exactly as before (no new section, key or metric family).
 */
import { findDue } from "../../scripts/renewals/due";
import { renderHtml } from "../../scripts/renewals/html";
import { toJsonReport } from "../../scripts/renewals/json-report";
import { formatMetrics } from "../../scripts/renewals/metrics";
import { readSiteOutputs, RenewalSite } from "../../scripts/renewals/outputs";
import { formatPrBody } from "../../scripts/renewals/pr-body";
import { formatReport } from "../../scripts/renewals/table";
import { serverOutput } from "./fixtures";

const NOW = new Date("2027-06-01T00:00:00Z");
const T = "2027-06-10T00:00:00Z";
const CSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
const request = (id: string, template = "CorpWebServer") => ({
  issuer: "external",
  certificateRequestPem: CSR,
  requestId: id,
  requestedAt: "2027-05-20T08:00:00.000Z",
  certificateTemplate: template,
});
const renewing = {
  ...serverOutput("rec01", { notBefore: T, notAfter: T, renewalDue: "2027-05-11T00:00:00Z" }),
  ...request("AAAABBBBCCCCDDDD"),
};
const { thumbprint, serialNumber, notBefore, notAfter, renewalDue, ...unsigned } = serverOutput("rec02", {
  notBefore: T,
  notAfter: T,
  renewalDue: T,
});
void [thumbprint, serialNumber, notBefore, notAfter, renewalDue];
const awaiting = { ...unsigned, slots: [], ...request("1111222233334444") };

function siteOf(servers: Record<string, unknown>): RenewalSite {
  const r = readSiteOutputs({
    contractVersion: 1,
    caCertificatePem: "-----BEGIN CERTIFICATE-----",
    caCertificateDer: "AAAA",
    caThumbprint: "0".repeat(40),
    caNotAfter: "2036-01-01T00:00:00Z",
    servers,
    pfx: "[secret]",
    pfxPasswords: "[secret]",
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.site;
}

const COMMAND_1 = 'certreq -submit -attrib "CertificateTemplate:CorpWebServer" rec01.csr rec01.cer';
const COMMAND_2 = 'certreq -submit -attrib "CertificateTemplate:CorpWebServer" rec02.csr rec02.cer';

describe("a site with a renewal request and a server awaiting its first certificate", () => {
  const site = siteOf({ rec01: renewing, rec02: awaiting });
  const report = findDue({ site, now: NOW, withinDays: 0 });

  test("the report: rec01 due (its dates), both requests listed with their command", () => {
    expect(report.due.map((d) => d.server)).toEqual(["rec01"]);
    const text = formatReport(report);
    expect(text).toMatch(/2 requests await the enterprise CA's signature/);
    expect(text).toMatch(
      new RegExp(`rec01 +AAAABBBBCCCCDDDD +2027-05-20 +renewal \\(current stays\\) +${escape(COMMAND_1)}`),
    );
    expect(text).toMatch(
      new RegExp(
        `rec02 +1111222233334444 +2027-05-20 +first certificate \\(none installed\\) +${escape(COMMAND_2)}`,
      ),
    );
  });

  test("the PR body: a section with each request and its command", () => {
    const body = formatPrBody({ report, stack: "site", bumped: [] });
    expect(body).toContain("### Requests awaiting the enterprise CA");
    expect(body).toContain(
      `| rec02 | 1111222233334444 | 2027-05-20T08:00:00.000Z | first certificate | \`${COMMAND_2}\` |`,
    );
  });

  test("the JSON report: pending, with the command", () => {
    expect(toJsonReport(report).pending).toEqual([
      expect.objectContaining({
        server: "rec01",
        requestId: "AAAABBBBCCCCDDDD",
        awaiting: false,
        command: COMMAND_1,
      }),
      expect.objectContaining({
        server: "rec02",
        requestId: "1111222233334444",
        awaiting: true,
        command: COMMAND_2,
      }),
    ]);
  });

  test("the metrics: one gauge per request, when it was made", () => {
    const text = formatMetrics(site);
    const since = String(Date.parse("2027-05-20T08:00:00.000Z") / 1000);
    expect(text).toContain(
      `xprotect_certificate_request_pending_since_timestamp_seconds{server="rec02",role="recordingServer",hostname="rec02.vms.example.local",request="1111222233334444",awaiting="true"} ${since}`,
    );
    expect(text).not.toMatch(/xprotect_certificate_not_after_timestamp_seconds\{server="rec02"/);
  });

  test("the calendar: a table of the requests", () => {
    const html = renderHtml({ report, site, stack: "site" });
    expect(html).toContain("<h2>Requests awaiting the enterprise CA</h2>");
    expect(html).toContain(`<td>${COMMAND_2.replace(/"/g, "&quot;")}</td>`);
  });
});

test("a site without requests: no section, key or metric family is added", () => {
  const site = siteOf({ rec01: serverOutput("rec01", { notBefore: T, notAfter: T, renewalDue: T }) });
  const report = findDue({ site, now: NOW, withinDays: 0 });
  expect(formatReport(report)).not.toMatch(/enterprise CA/);
  expect(formatPrBody({ report, stack: "site", bumped: [] })).not.toMatch(/enterprise CA/);
  expect(toJsonReport(report)).not.toHaveProperty("pending");
  expect(formatMetrics(site)).not.toMatch(/request_pending/);
  expect(renderHtml({ report, site, stack: "site" })).not.toMatch(/enterprise CA/);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

import { findDue } from "../../scripts/renewals/due";
import type { SiteCertificates } from "../../provider/contract";
import { readSiteOutputs } from "../../scripts/renewals/outputs";
import { formatPrBody, mdCell } from "../../scripts/renewals/pr-body";
import { ALL_FINE, MIXED, NOW, ServerFixture, siteOutputs } from "./fixtures";

function site(servers: Record<string, ServerFixture>, ca?: { notAfter?: string }): SiteCertificates {
  const r = readSiteOutputs(siteOutputs(servers, ca));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.site;
}
const report = (s: SiteCertificates, withinDays = 30) => findDue({ site: s, now: new Date(NOW), withinDays });

describe("formatPrBody", () => {
  test("title on the first line, then a table of server, host name, current expiry, reason, and the bumps", () => {
    const body = formatPrBody({
      report: report(site(MIXED)),
      stack: "site",
      file: "stacks/Pulumi.site.yaml",
      bumped: [
        { server: "old01", from: 0, to: 1 },
        { server: "rec01", from: 2, to: 3 },
      ],
    });
    const lines = body.split("\n");
    expect(lines[0]).toBe("Renew 3 certificates of site: old01, rec01, rec02");
    expect(lines[1]).toBe("");
    const table = lines.filter((l) => l.startsWith("|"));
    expect(table).toEqual([
      "| server | host name | current expiry | reason |",
      "| --- | --- | --- | --- |",
      "| old01 | old01.vms.example.local | 2027-02-20T00:00:00Z | expired on 2027-02-20 |",
      "| rec01 | rec01.vms.example.local | 2027-03-20T00:00:00Z | renewal due since 2027-02-18 |",
      "| rec02 | rec02.vms.example.local | 2027-04-15T00:00:00Z | renewal due on 2027-03-16 (in 15 days) |",
      "| status | thumbprint | not after | days left |",
      "| --- | --- | --- | --- |",
      `| active | ${"C".repeat(40)} | 2036-01-01T00:00:00Z | 3227 |`,
    ]);
    expect(body).toContain("### Root CAs (rotation: none)\n");
    expect(body).toContain(
      "This change bumps `generation` in `stacks/Pulumi.site.yaml`:\n\n- old01: 0 → 1\n- rec01: 2 → 3\n",
    );
    expect(body).toContain("1 other certificate not due within 30 days.");
    expect(body).not.toContain("The CA");
  });

  test("the root step says what this change does: nextCa already there, or added beside bumps (issue 24, item 6)", () => {
    const r = report(site({ rec01: MIXED.rec01 }, { notAfter: "2027-06-01T00:00:00Z" }));
    const bumped = [{ server: "rec01", from: 0, to: 1 }];
    const base = { report: r, stack: "site", file: "f.yaml" };
    const already = formatPrBody({ ...base, bumped, stage: { generation: 1, written: false } });
    expect(already).not.toContain("This change adds `nextCa`");
    expect(already).toContain(
      "`nextCa` (generation 1) is already in `f.yaml` (written before, not yet made)",
    );
    expect(already).not.toContain("no server certificate changes");
    expect(already).toContain(
      "the root step changes no server certificate (the bumps above reissue only theirs",
    );
    const added = formatPrBody({ ...base, bumped: [], stage: { generation: 1, written: true } });
    expect(added).toContain("This change adds `nextCa` (generation 1) to `f.yaml`");
    expect(added).toContain("no server certificate changes (the preview shows one create)");
    const both = formatPrBody({ ...base, bumped, stage: { generation: 1, written: true } });
    expect(both).toContain("This change adds `nextCa` (generation 1)");
    expect(both).not.toContain("no server certificate changes");
  });

  test("a due CA is explained, not bumped; cells cannot break the table", () => {
    const s = site({ "a|b": { ...MIXED.rec01, hostname: "x|y\n`z`" } }, { notAfter: "2027-05-01T00:00:00Z" });
    const body = formatPrBody({ report: report(s), stack: "site", bumped: [] });
    expect(body.split("\n")[0]).toBe("Renew 1 certificate of site: a|b");
    expect(body).toContain("| a\\|b | x\\|y \\`z\\` | 2027-03-20T00:00:00Z | renewal due since 2027-02-18 |");
    expect(body).toMatch(
      /\*\*The CA\*\* \(C{40}\) expires on 2027-05-01T00:00:00Z \(60 days left\): a server generation bump does not renew the CA: rotate the root without an outage/,
    );
    expect(body).not.toContain("This change bumps");
    const caOnly = formatPrBody({
      report: report(site(ALL_FINE, { notAfter: "2027-05-01T00:00:00Z" })),
      stack: "site",
      bumped: [],
    });
    expect(caOnly.split("\n")[0]).toBe("The CA of site expires on 2027-05-01");
    expect(mdCell("a\\|b")).toBe("a\\\\\\|b");
  });
});

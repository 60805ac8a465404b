import { findDue } from "../../scripts/renewals/due";
import { toJsonReport } from "../../scripts/renewals/json-report";
import type { SiteCertificates } from "../../provider/contract";
import { readSiteOutputs } from "../../scripts/renewals/outputs";
import { formatReport } from "../../scripts/renewals/table";
import { ALL_FINE, MIXED, NOW, ServerFixture, siteOutputs } from "./fixtures";

const now = new Date(NOW);

function site(servers: Record<string, ServerFixture>, ca?: { notAfter?: string }): SiteCertificates {
  const r = readSiteOutputs(siteOutputs(servers, ca));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.site;
}

describe("findDue", () => {
  test("lists what is past renewal, due within the window or expired, soonest expiry first; counts the rest", () => {
    const r = findDue({ site: site(MIXED), now, withinDays: 30 });
    expect(r.due.map((d) => [d.server, d.status, d.daysLeft, d.reason])).toEqual([
      ["old01", "expired", -10, "expired on 2027-02-20"],
      ["rec01", "due", 18, "renewal due since 2027-02-18"],
      ["rec02", "due", 44, "renewal due on 2027-03-16 (in 15 days)"],
    ]);
    expect(r.notDue.map((s) => s.server)).toEqual(["mgmt01"]);
    expect(r.ca).toMatchObject({ due: false, warningDays: 180, daysLeft: 3227 });
  });

  test("--within 0 lists only what is already due or expired", () => {
    const r = findDue({ site: site(MIXED), now, withinDays: 0 });
    expect(r.due.map((d) => d.server)).toEqual(["old01", "rec01"]);
    expect(r.notDue.map((s) => s.server).sort()).toEqual(["mgmt01", "rec02"]);
  });

  test("a renewal point exactly now is due; one a second later is not (with --within 0)", () => {
    const at = (renewalDue: string) =>
      findDue({
        site: site({
          a: { notBefore: "2026-01-01T00:00:00Z", notAfter: "2027-04-01T00:00:00Z", renewalDue },
        }),
        now,
        withinDays: 0,
      }).due.length;
    expect(at("2027-03-01T12:00:00Z")).toBe(1);
    expect(at("2027-03-01T12:00:01Z")).toBe(0);
  });

  test("a wide window takes in more; nothing due when every certificate is far from renewal", () => {
    expect(findDue({ site: site(MIXED), now, withinDays: 300 }).due).toHaveLength(4);
    const fine = findDue({ site: site(ALL_FINE), now, withinDays: 30 });
    expect(fine.due).toEqual([]);
    expect(fine.notDue).toHaveLength(2);
  });

  test("the CA is due within max(180, window) days", () => {
    const ca = (notAfter: string, withinDays: number) =>
      findDue({ site: site(ALL_FINE, { notAfter }), now, withinDays }).ca;
    expect(ca("2027-08-01T00:00:00Z", 30)).toMatchObject({ due: true, daysLeft: 152, warningDays: 180 });
    expect(ca("2027-09-01T00:00:00Z", 30)).toMatchObject({ due: false, daysLeft: 183 });
    expect(ca("2027-12-01T00:00:00Z", 365)).toMatchObject({ due: true, warningDays: 365 });
    expect(ca("2027-02-01T00:00:00Z", 0)).toMatchObject({ due: true, daysLeft: -29 });
  });
});

describe("held back by the root (issue 24, item 5)", () => {
  // The root ends on 2027-03-20; cap01 was cut short to end with it, rec01 ends before it.
  const root = { notAfter: "2027-03-20T00:00:00Z" };
  const servers = {
    cap01: { notBefore: "2026-06-01T00:00:00Z", notAfter: root.notAfter, renewalDue: "2027-02-18T00:00:00Z" },
    rec01: {
      notBefore: "2025-03-15T00:00:00Z",
      notAfter: "2027-03-15T00:00:00Z",
      renewalDue: "2027-02-13T00:00:00Z",
    },
  };

  test("a due certificate that already ends with its root is held back; one a reissue extends is not", () => {
    const r = findDue({ site: site(servers, root), now, withinDays: 30 });
    expect(r.due.map((d) => [d.server, d.heldBackByRoot ?? false])).toEqual([
      ["rec01", false],
      ["cap01", true],
    ]);
    expect(r.due[1].reason).toMatch(
      /^renewal due since 2027-02-18; held back by its root CA C{40} \(ends 2027-03-20\): a new certificate would end no later, so --apply does not bump it; a root rotation renews it/,
    );
    expect(r.due[0].reason).toBe("renewal due since 2027-02-13");
  });

  test("due within the window but not yet: held back by the same arithmetic", () => {
    const later = { ...servers.cap01, renewalDue: "2027-03-10T00:00:00Z" };
    const r = findDue({ site: site({ cap01: later }, root), now, withinDays: 30 });
    expect(r.due[0]).toMatchObject({ server: "cap01", heldBackByRoot: true });
  });
});

describe("formatReport", () => {
  test("a table of only what is due (server, host name, role, expiry, days left, reason) and a count", () => {
    const text = formatReport(findDue({ site: site(MIXED), now, withinDays: 30 }));
    const lines = text.split("\n");
    expect(lines[0]).toBe("3 server certificates are due within 30 days (now: 2027-03-01T12:00:00.000Z):");
    expect(lines[2].split(/\s{2,}/)).toEqual([
      "server",
      "host name",
      "role",
      "expiry",
      "days left",
      "reason",
    ]);
    expect(lines[4].split(/\s{2,}/)).toEqual([
      "old01",
      "old01.vms.example.local",
      "recordingServer",
      "2027-02-20",
      "-10",
      "expired on 2027-02-20",
    ]);
    expect(lines.slice(4, 7).map((l) => l.split(/\s+/)[0])).toEqual(["old01", "rec01", "rec02"]);
    expect(text).not.toContain("mgmt01");
    expect(text).toContain("1 other certificate not due within 30 days.");
    expect(text).not.toMatch(/^CA /m);
  });

  test("nothing due: one line and the count; a due CA gets its own line with what to do", () => {
    const text = formatReport(
      findDue({ site: site(ALL_FINE, { notAfter: "2027-06-01T00:00:00Z" }), now, withinDays: 0 }),
    );
    expect(text).toMatch(/^No server certificate is due now \(now: 2027-03-01T12:00:00.000Z\)\.\n/);
    expect(text).toContain("2 other certificates not due now.");
    expect(text).toMatch(
      /^CA C{40} expires on 2027-06-01 \(91 days left, within 180\): a server generation bump does not renew the CA/m,
    );
  });
});

describe("toJsonReport", () => {
  test("has exactly the documented shape", () => {
    const json = toJsonReport(findDue({ site: site(MIXED), now, withinDays: 0 }));
    expect(json).toEqual({
      now: NOW,
      withinDays: 0,
      due: [
        {
          server: "old01",
          hostname: "old01.vms.example.local",
          role: "recordingServer",
          notAfter: "2027-02-20T00:00:00Z",
          renewalDue: "2027-01-21T00:00:00Z",
          daysLeft: -10,
          reason: "expired on 2027-02-20",
        },
        {
          server: "rec01",
          hostname: "rec01.vms.example.local",
          role: "recordingServer",
          notAfter: "2027-03-20T00:00:00Z",
          renewalDue: "2027-02-18T00:00:00Z",
          daysLeft: 18,
          reason: "renewal due since 2027-02-18",
        },
      ],
      notDue: 2,
      ca: { thumbprint: "C".repeat(40), notAfter: "2036-01-01T00:00:00Z", daysLeft: 3227, due: false },
      roots: [
        { thumbprint: "C".repeat(40), notAfter: "2036-01-01T00:00:00Z", daysLeft: 3227, status: "active" },
      ],
      rotation: "none",
      nextStep: null,
    });
  });
});

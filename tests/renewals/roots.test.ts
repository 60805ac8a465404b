import { findDue } from "../../scripts/renewals/due";
import { toJsonReport } from "../../scripts/renewals/json-report";
import { readSiteOutputs } from "../../scripts/renewals/outputs";
import { nextStep, rotationOf } from "../../scripts/renewals/roots";
import { formatReport } from "../../scripts/renewals/table";
import { ALL_FINE, NEW_ROOT, NOW, OLD_ROOT, RootFixture, rotationRoots, siteOutputs } from "./fixtures";

const report = (roots?: RootFixture[], ca?: { notAfter?: string }) => {
  const r = readSiteOutputs(siteOutputs(ALL_FINE, ca, roots));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return findDue({ site: r.site, now: new Date(NOW), withinDays: 30 });
};

test.each([
  [[], "none"],
  [["active"], "none"],
  [["active", "next"], "staged"],
  [["previous", "active"], "switched"],
  [["previous", "active", "next"], "switched"],
] as const)("rotationOf(%j) = %s", (statuses, rotation) => {
  expect(rotationOf(statuses.map((status) => ({ status })))).toBe(rotation);
});

describe("the roots in the report", () => {
  test.each([
    // [case, roots, CA notAfter without roots, rotation, CA due, next step]
    ["old outputs, CA far", undefined, "2036-01-01T00:00:00Z", "none", false, undefined],
    ["old outputs, CA within 180 days", undefined, "2027-06-01T00:00:00Z", "none", true, "stage"],
    ["staged, active root within 180 days", rotationRoots("staged"), undefined, "staged", true, "switch"],
    [
      "staged, active root far",
      rotationRoots("staged", "2030-01-01T00:00:00Z"),
      undefined,
      "staged",
      false,
      "switch",
    ],
    [
      "switched: the new root is active, far",
      rotationRoots("switched"),
      undefined,
      "switched",
      false,
      "retire",
    ],
    [
      "one active root listed",
      [{ thumbprint: OLD_ROOT, notAfter: "2027-08-01T00:00:00Z", status: "active" }] as RootFixture[],
      undefined,
      "none",
      true,
      "stage",
    ],
  ])("%s", (_name, roots, caNotAfter, rotation, caDue, step) => {
    const r = report(roots, { notAfter: caNotAfter });
    expect([r.rotation, r.ca.due, r.nextStep?.step]).toEqual([rotation, caDue, step]);
    // The CA of the report is the active root.
    const active = r.roots.filter((x) => x.status === "active");
    expect(active.map((x) => [x.thumbprint, x.notAfter.text])).toEqual([
      [r.ca.thumbprint, r.ca.notAfter.text],
    ]);
  });

  test("JSON: roots (previous, active, next) with days left, the rotation and the next step", () => {
    const json = toJsonReport(report(rotationRoots("staged")));
    expect(Object.keys(json)).toEqual([
      "now",
      "withinDays",
      "due",
      "notDue",
      "ca",
      "roots",
      "rotation",
      "nextStep",
    ]);
    expect(json.roots).toEqual([
      { thumbprint: OLD_ROOT, notAfter: "2027-06-01T00:00:00Z", daysLeft: 91, status: "active" },
      { thumbprint: NEW_ROOT, notAfter: "2037-02-01T00:00:00Z", daysLeft: 3624, status: "next" },
    ]);
    expect(json.rotation).toBe("staged");
    expect(json.nextStep!.action).toMatch(/^switch: .*add `issueFrom: nextCa` to xprotect-certs:site/);
    expect(json.ca).toEqual({
      thumbprint: OLD_ROOT,
      notAfter: "2027-06-01T00:00:00Z",
      daysLeft: 91,
      due: true,
    });
  });

  test("table: both roots under the rotation's stage, then what to write next", () => {
    const lines = formatReport(report(rotationRoots("switched"))).split("\n");
    const at = lines.indexOf("Root CAs (rotation: switched):");
    expect(lines.slice(at + 1, at + 5)).toEqual([
      "status    thumbprint                                expiry      days left",
      "--------  ----------------------------------------  ----------  ---------",
      `previous  ${OLD_ROOT}  2027-06-01  91`,
      `active    ${NEW_ROOT}  2037-02-01  3624`,
    ]);
    expect(lines[at + 5]).toMatch(
      new RegExp(
        `^Next step of the root rotation: retire: once every server runs its certificate from the root ${NEW_ROOT}, move nextCa's settings \\(generation included\\) into ca and remove nextCa, issueFrom and minStageDays`,
      ),
    );
  });

  test("nextStep outside a rotation: nothing unless the CA is due", () => {
    expect(nextStep({ rotation: "none", caDue: false, roots: [] })).toBeUndefined();
    expect(nextStep({ rotation: "none", caDue: true, roots: [] })!.action).toMatch(
      /^stage: add nextCa \(ca's settings, generation \+ 1\)/,
    );
  });
});

describe("inconsistent trustedCaCertificates are refused, naming the field", () => {
  const problems = (roots: unknown, ca?: { thumbprint?: string }) => {
    const o = siteOutputs(ALL_FINE, ca);
    o.trustedCaCertificates = roots;
    const r = readSiteOutputs(o);
    return r.ok ? [] : r.problems.map((p) => `${p.field}: ${p.reason}`);
  };
  const root = (status: string, thumbprint = "C".repeat(40)) => ({
    thumbprint,
    notAfter: "2036-01-01T00:00:00Z",
    status,
  });
  test.each([
    [[], /^trustedCaCertificates: \[\] is not a non-empty list of roots/],
    [[root("next")], /^trustedCaCertificates: has 0 active roots: exactly one root issues/],
    [[root("active"), root("active", NEW_ROOT)], /^trustedCaCertificates: has 2 active roots/],
    [
      [root("active", NEW_ROOT)],
      new RegExp(`^trustedCaCertificates: the active root ${NEW_ROOT} is not the CA of caThumbprint`),
    ],
    [
      [root("retired")],
      /^trustedCaCertificates\[0\]\.status: "retired" is not one of active, next, previous/,
    ],
    [
      [{ ...root("active"), notAfter: "soon" }],
      /^trustedCaCertificates\[0\]\.notAfter: "soon" is not an ISO 8601/,
    ],
    [
      [{ ...root("active"), thumbprint: "abc" }],
      /^trustedCaCertificates\[0\]\.thumbprint: "abc" is not 40 upper-case/,
    ],
  ])("%j", (roots, message) => {
    const found = problems(roots);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });
});

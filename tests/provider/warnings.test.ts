/** Warnings shown at preview for what is legal but risky. */
import { caExpiryWarning } from "../../provider/ca/resource";
import { heldBackWarning } from "../../provider/server/resource";

describe("the CA expiry warning", () => {
  const notAfter = "2030-06-30T12:00:00.000Z";
  test.each<[string, string | undefined, RegExp | undefined]>([
    ["a year before", "2029-06-30T12:00:00Z", undefined],
    ["181 days before", "2029-12-31T11:59:59Z", undefined],
    ["180 days before", "2030-01-01T12:00:00Z", /expires on 2030-06-30 \(in 180 days\)/],
    ["a day before", "2030-06-29T12:00:00Z", /expires on 2030-06-30 \(in 1 day\)/],
    ["after expiry", "2030-07-02T12:00:00Z", /expired on 2030-06-30/],
  ])("%s", (_when, now, expected) => {
    const warning = caExpiryWarning(notAfter, { XPROTECT_CERTS_NOW: now });
    if (expected) {
      expect(warning).toMatch(expected);
      expect(warning).toMatch(
        /never renewed automatically: rotate to a new root without an outage\. Stage it \(nextCa/,
      );
    } else expect(warning).toBeUndefined();
  });

  test("no warning when the time is unknown (a CA being created) or the override is malformed", () => {
    expect(caExpiryWarning(undefined, {})).toBeUndefined();
    expect(caExpiryWarning(notAfter, { XPROTECT_CERTS_NOW: "soon" })).toBeUndefined();
  });
});

describe("during a root rotation the warnings name the step that comes next (issue 24, item 6)", () => {
  const notAfter = "2030-06-30T12:00:00.000Z";
  const env = { XPROTECT_CERTS_NOW: "2030-06-01T00:00:00Z" };

  test("the CA's expiry: stage when none is under way, switch while staged, retire once switched", () => {
    expect(caExpiryWarning(notAfter, env)).toMatch(/Stage it \(nextCa/);
    const staged = caExpiryWarning(notAfter, env, "switch");
    expect(staged).toMatch(
      /^The site CA expires on 2030-06-30 \(in 29 days\)\. A next root is staged \(nextCa\): the next step is the switch\..*issueFrom: nextCa/,
    );
    expect(staged).not.toMatch(/[Ss]tage (it|nextCa)/);
    const switched = caExpiryWarning(notAfter, env, "retire");
    expect(switched).toMatch(
      /^The previous root CA expires on 2030-06-30.*the next step is the retire: .*remove nextCa, issueFrom and minStageDays/,
    );
    expect(switched).not.toMatch(/[Ss]tage (it|nextCa)|issueFrom: nextCa/);
    expect(caExpiryWarning(notAfter, env, "next")).toMatch(
      /^The next root CA \(nextCa, staged, issuing nothing yet\) expires on 2030-06-30.*stage a longer-lived one instead/,
    );
  });

  test("a renewal held back by the CA's end: stage and switch, or, while staged, switch", () => {
    expect(heldBackWarning("2030-05-31T12:00:00Z", notAfter)).toMatch(
      /Rotate to a new root before 2030-06-30: stage nextCa, then switch/,
    );
    const staged = heldBackWarning("2030-05-31T12:00:00Z", notAfter, "switch");
    expect(staged).toMatch(
      /A next root is staged \(nextCa\): switch to it \(issueFrom: nextCa\) before 2030-06-30/,
    );
    expect(staged).not.toMatch(/stage nextCa/);
  });
});

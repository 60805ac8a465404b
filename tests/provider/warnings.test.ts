/** Warnings shown at preview for what is legal but risky. */
import { caExpiryWarning } from "../../provider/ca/resource";

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

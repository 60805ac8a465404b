/** Renewal arithmetic, table by table: due, and whether a reissue now would end later. */
import {
  daysAhead,
  daysLeft,
  isDue,
  isWithinDays,
  reissueNotAfter,
  renewalBlockedByCa,
  renewalDueOf,
  renewalHelps,
} from "../../provider/pki/renewal";

const NOW = new Date("2027-01-01T00:00:00Z");

test.each([
  ["2027-01-31T00:00:00.000Z", 30, "2027-01-01T00:00:00.000Z"],
  ["2027-01-31T00:00:00.000Z", 0, "2027-01-31T00:00:00.000Z"],
])("renewalDueOf(%s, %i) = %s", (notAfter, days, due) => {
  expect(renewalDueOf(notAfter, days)).toBe(due);
});

test.each([
  ["2027-01-31T00:00:00Z", 30, true], // exactly at renewalDue
  ["2027-01-31T00:00:01Z", 30, false], // one second before
  ["2026-12-31T00:00:00Z", 0, true], // expired
])("isDue(%s, %i) at 2027-01-01 = %s", (notAfter, days, due) => {
  expect(isDue(notAfter, days, NOW)).toBe(due);
});

test.each([
  ["2027-01-11T00:00:00Z", 10],
  ["2026-12-31T00:00:00Z", -1],
  ["2027-01-01T12:00:00Z", 0],
])("daysLeft(%s) = %i", (when, days) => {
  expect(daysLeft(when, NOW)).toBe(days);
});

test.each([
  ["2027-01-11T00:00:00Z", 10], // whole days
  ["2027-01-01T00:00:01Z", 1], // a second ahead is "in 1 day"
  ["2027-01-01T00:00:00Z", 0], // now: "today"
  ["2027-01-02T12:00:00Z", 2], // a day and a half rounds up
])("daysAhead(%s) = %i", (when, days) => {
  expect(daysAhead(when, NOW)).toBe(days);
});

test.each([
  ["2027-01-31T00:00:00Z", 30, true], // exactly at the horizon
  ["2027-01-31T00:00:01Z", 30, false], // a second past it
  ["2026-12-01T00:00:00Z", 0, true], // already past
  ["2027-01-01T00:00:00Z", 0, true], // now
  ["2027-01-01T00:00:01Z", 0, false], // a second from now, window 0
  ["2027-06-30T00:00:00Z", 180, true], // the CA warning window
])("isWithinDays(%s, %i) at 2027-01-01 = %s", (when, days, within) => {
  expect(isWithinDays(when, days, NOW)).toBe(within);
});

test("a reissue ends validityDays later, never past the CA", () => {
  expect(new Date(reissueNotAfter(NOW, 30, undefined)).toISOString()).toBe("2027-01-31T00:00:00.000Z");
  expect(new Date(reissueNotAfter(NOW, 30, "2027-01-10T00:00:00.5Z")).toISOString()).toBe(
    "2027-01-10T00:00:00.000Z",
  );
});

describe.each([
  // notAfter, renewBeforeDays, validityDays, CA notAfter, helps, blocked
  ["not yet due", "2027-03-01T00:00:00Z", 30, 365, "2030-01-01T00:00:00Z", false, false],
  ["due, CA far away", "2027-01-20T00:00:00Z", 30, 365, "2030-01-01T00:00:00Z", true, false],
  ["due, CA unknown at preview", "2027-01-20T00:00:00Z", 30, 365, undefined, true, false],
  [
    "due, CA ends a bit later: one last capped reissue",
    "2027-01-20T00:00:00Z",
    30,
    365,
    "2027-01-25T00:00:00Z",
    true,
    false,
  ],
  ["due, already ends with the CA", "2027-01-20T00:00:00Z", 30, 365, "2027-01-20T00:00:00Z", false, true],
  [
    "due, CA ends first (cut short earlier)",
    "2027-01-20T00:00:00Z",
    30,
    365,
    "2027-01-15T00:00:00Z",
    false,
    true,
  ],
])("%s", (_, notAfter, renewBeforeDays, validityDays, caNotAfter, helps, blocked) => {
  const p = { notAfter, renewBeforeDays, validityDays, caNotAfter, now: NOW };
  test(`renewalHelps = ${helps}, renewalBlockedByCa = ${blocked}`, () => {
    expect(renewalHelps(p)).toBe(helps);
    expect(renewalBlockedByCa(p)).toBe(blocked);
  });
});

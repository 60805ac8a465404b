import { parseArgs } from "../../scripts/engine/cli";
import { dateOnly, formatServerTable } from "../../scripts/engine/summary";

describe("parseArgs", () => {
  test("defaults to the example stack", () => {
    expect(parseArgs(["up"])).toMatchObject({ command: "up", stack: "example", targets: [], help: false });
  });

  test("reads operation options", () => {
    const a = parseArgs(["preview", "--stack", "prod", "--diff", "--target", "u1", "--target", "u2"]);
    expect(a).toMatchObject({ command: "preview", stack: "prod", diff: true, targets: ["u1", "u2"] });
    expect(parseArgs(["up", "--stack=lab", "--expect-no-changes", "--refresh"])).toMatchObject({
      stack: "lab",
      expectNoChanges: true,
      refresh: true,
    });
    expect(parseArgs(["destroy", "-s", "lab", "--yes"]).stack).toBe("lab");
  });

  test("passes everything after `pulumi` through verbatim", () => {
    const a = parseArgs(["pulumi", "stack", "output", "--json", "--show-secrets", "--stack", "example"]);
    expect(a.command).toBe("pulumi");
    expect(a.rest).toEqual(["stack", "output", "--json", "--show-secrets", "--stack", "example"]);
    expect(parseArgs(["pulumi", "--", "version"]).rest).toEqual(["version"]);
  });

  test("rejects unknown options and missing values", () => {
    expect(() => parseArgs(["up", "--frob"])).toThrow(/Unknown argument: --frob/);
    expect(() => parseArgs(["up", "--stack"])).toThrow(/--stack needs a value/);
    expect(() => parseArgs(["up", "--stack", "--diff"])).toThrow(/--stack needs a value/);
  });

  test("--help", () => {
    expect(parseArgs(["--help"]).help).toBe(true);
    expect(parseArgs(["up", "-h"]).help).toBe(true);
  });
});

describe("formatServerTable", () => {
  test("sorts servers, shows dates only, and a CA line", () => {
    const text = formatServerTable({
      servers: {
        rec01: {
          role: "recording",
          hostname: "rec01.site.local",
          thumbprint: "AB12",
          notAfter: "2027-11-23T16:00:00.000Z",
          renewalDue: "2027-09-24T00:00:00Z",
          pfxPassword: "never printed",
        },
        mgmt01: {
          role: "management",
          hostname: "mgmt01.site.local",
          thumbprint: "CD34",
          notAfter: "2027-11-23",
        },
      },
      caThumbprint: "EF56",
      caNotAfter: "2036-01-01T00:00:00Z",
    });
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^server\s+role\s+hostname\s+thumbprint\s+notAfter\s+renewalDue$/);
    expect(lines[2]).toMatch(/^mgmt01\s+management\s+mgmt01\.site\.local\s+CD34\s+2027-11-23\s+-$/);
    expect(lines[3]).toMatch(/^rec01\s+recording\s+rec01\.site\.local\s+AB12\s+2027-11-23\s+2027-09-24$/);
    expect(lines[4]).toBe("CA  thumbprint EF56  notAfter 2036-01-01");
    expect(text).not.toContain("never printed");
  });

  test("tolerates missing or malformed outputs", () => {
    expect(formatServerTable({})).toBe("(no servers in the stack outputs)\nCA  thumbprint -  notAfter -\n");
    expect(formatServerTable({ servers: "oops", caThumbprint: 7 })).toContain("CA  thumbprint 7");
    const text = formatServerTable({ servers: { a: null, b: { role: 3 } } });
    expect(text).toMatch(/\na\s+-\s+-\s+-\s+-\s+-\n/);
    expect(text).toMatch(/\nb\s+3\s+-/);
  });

  test("dateOnly", () => {
    expect(dateOnly("2027-01-02T03:04:05Z")).toBe("2027-01-02");
    expect(dateOnly(Date.UTC(2030, 0, 1))).toBe("2030-01-01");
    expect(dateOnly("soon")).toBe("soon");
    expect(dateOnly(undefined)).toBe("-");
  });
});

import { formatProblems, parseOutputsJson, readSiteOutputs } from "../../scripts/renewals/outputs";
import { MIXED, siteOutputs } from "./fixtures";

describe("readSiteOutputs", () => {
  test("reads the non-secret fields and ignores the hidden secrets", () => {
    const r = readSiteOutputs(siteOutputs(MIXED));
    if (!r.ok) throw new Error(formatProblems(r.problems));
    expect(r.site.servers.map((s) => s.server)).toEqual(["mgmt01", "old01", "rec01", "rec02"]);
    expect(r.site.servers[2]).toMatchObject({
      server: "rec01",
      role: "recordingServer",
      hostname: "rec01.vms.example.local",
      notAfter: { text: "2027-03-20T00:00:00Z", ms: Date.parse("2027-03-20T00:00:00Z") },
    });
    expect(r.site.ca).toEqual({
      thumbprint: "C".repeat(40),
      notAfter: { text: "2036-01-01T00:00:00Z", ms: Date.parse("2036-01-01T00:00:00Z") },
    });
  });

  test('tolerates "[secret]" where it does not need the value: the thumbprints, the serial, the CA thumbprint', () => {
    const o = siteOutputs(MIXED, { thumbprint: "[secret]" });
    const servers = o.servers as Record<string, Record<string, unknown>>;
    servers.rec01.thumbprint = "[secret]";
    servers.rec01.serialNumber = "[secret]";
    const r = readSiteOutputs(o);
    if (!r.ok) throw new Error(formatProblems(r.problems));
    expect(r.site.ca.thumbprint).toBeUndefined();
    expect(r.site.servers.find((s) => s.server === "rec01")).toMatchObject({
      thumbprint: undefined,
      serialNumber: undefined,
    });
  });

  test("names every bad field, and says what a secret date would need", () => {
    const o = siteOutputs(MIXED);
    const servers = o.servers as Record<string, Record<string, unknown>>;
    servers.rec01.notAfter = "next year";
    servers.rec02.renewalDue = "[secret]";
    delete servers.mgmt01.hostname;
    o.caNotAfter = 42;
    const r = readSiteOutputs(o);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatProblems(r.problems).split("\n")).toEqual([
      "outputs.caNotAfter: 42 is not an ISO 8601 UTC time such as 2027-01-02T10:00:00Z",
      "outputs.servers.mgmt01.hostname: missing: expected a non-empty string",
      'outputs.servers.rec01.notAfter: "next year" is not an ISO 8601 UTC time such as 2027-01-02T10:00:00Z',
      'outputs.servers.rec02.renewalDue: is secret ("[secret]"): renewals needs it in clear; it is not secret in this project\'s outputs',
    ]);
  });

  test("an empty stack (no outputs) and foreign outputs are refused with the fix", () => {
    const empty = readSiteOutputs({});
    expect(empty.ok || formatProblems(empty.problems)).toMatch(
      /^outputs: the stack has no outputs: run `npm run up -- --stack NAME` first/,
    );
    const foreign = readSiteOutputs({ url: "https://example.com" });
    expect(foreign.ok || formatProblems(foreign.problems)).toMatch(
      /^outputs\.contractVersion: missing: these are not the outputs of an xprotect-certs site/,
    );
    const v2 = readSiteOutputs({ ...siteOutputs(MIXED), contractVersion: 2 });
    expect(v2.ok || formatProblems(v2.problems)).toMatch(/^outputs\.contractVersion: 2: /);
  });

  test("malformed JSON names the source and how to write it", () => {
    const r = parseOutputsJson('{"servers": {', "outputs.json");
    expect(r.ok || formatProblems(r.problems)).toMatch(
      /^outputs: outputs\.json is not valid JSON \(.+\): write it with `npm run --silent pulumi -- stack output --json --stack NAME > FILE`$/,
    );
  });
});

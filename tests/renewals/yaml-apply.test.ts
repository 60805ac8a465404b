import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { applyGenerationBumps, ApplyResult, BumpRequest } from "../../scripts/renewals/yaml-apply";
import { parseSite } from "../../provider/site/config";

const EXAMPLE = readFileSync(join(__dirname, "../../stacks/Pulumi.example.yaml"), "utf8");
const SERIAL_A = "0A1B2C3D4E5F60718293A4B5C6D7E8F9";
const SERIAL_B = "7F00000000000000000000000000000B";

const serial = (server: string, value = SERIAL_A): BumpRequest => ({
  server,
  certificate: { kind: "serial", value },
});

function applied(text: string, bumps: BumpRequest[]): Extract<ApplyResult, { ok: true }> {
  const r = applyGenerationBumps({ text, file: "Pulumi.test.yaml", bumps });
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return r;
}

/** The site config in a stack file's text, checked by the site program's own parser. */
function parsedSite(text: string) {
  const raw = (parse(text) as { config: Record<string, unknown> }).config["xprotect-certs:site"];
  const { site, failures } = parseSite(raw);
  expect(failures).toEqual([]);
  return site!;
}
const generationOf = (text: string, server: string) =>
  parsedSite(text).servers.find((s) => s.name === server)!.generation;

describe("applyGenerationBumps on stacks/Pulumi.example.yaml", () => {
  test("adds a generation line to each due server; every other byte stays; the site program accepts it", () => {
    const r = applied(EXAMPLE, [serial("rec01"), serial("event01", SERIAL_B)]);
    expect(r.bumped).toEqual([
      { server: "rec01", from: 0, to: 1 },
      { server: "event01", from: 0, to: 1 },
    ]);
    const added = r.text.split("\n").filter((l) => !EXAMPLE.split("\n").includes(l));
    expect(added).toEqual([
      `        generation: 1 # renewals: bumped for serial ${SERIAL_A}`,
      `        generation: 1 # renewals: bumped for serial ${SERIAL_B}`,
    ]);
    // Taking the two new lines out gives the original file back, byte for byte (comments included).
    expect(r.text.replace(/^ {8}generation: 1 # renewals: .*\n/gm, "")).toBe(EXAMPLE);
    // Each line lands in its own server's block.
    expect(r.text).toContain(
      `        serviceAccount: VMS\\svc-recorder # a domain account runs this recorder\n        generation: 1 # renewals: bumped for serial ${SERIAL_A}\n      rec02:`,
    );
    expect(generationOf(r.text, "rec01")).toBe(1);
    expect(generationOf(r.text, "event01")).toBe(1);
    expect(generationOf(r.text, "rec02")).toBeUndefined();
  });

  test("a second run before `up` (same serial) changes nothing; after `up` (new serial) it bumps again", () => {
    const once = applied(EXAMPLE, [serial("rec01")]).text;
    const twice = applied(once, [serial("rec01")]);
    expect(twice.text).toBe(once);
    expect(twice.bumped).toEqual([]);
    expect(twice.pending).toEqual([
      { server: "rec01", generation: 1, certificate: { kind: "serial", value: SERIAL_A } },
    ]);
    const again = applied(once, [serial("rec01", SERIAL_B)]);
    expect(again.bumped).toEqual([{ server: "rec01", from: 1, to: 2 }]);
    expect(again.text).toBe(
      once.replace(
        `generation: 1 # renewals: bumped for serial ${SERIAL_A}`,
        `generation: 2 # renewals: bumped for serial ${SERIAL_B}`,
      ),
    );
  });

  test("a due server missing from the file is reported, not invented", () => {
    const r = applied(EXAMPLE, [serial("gone01")]);
    expect(r.text).toBe(EXAMPLE);
    expect(r.skipped).toEqual([
      { server: "gone01", reason: "not in Pulumi.test.yaml (removed since the last up?): nothing to bump" },
    ]);
  });
});

const stackFile = (site: string) => `config:\n  xprotect-certs:site:\n${site}encryptionsalt: v1:abc\n`;

describe("applyGenerationBumps, other layouts", () => {
  test("an existing generation is incremented in place; the line's own comment is kept", () => {
    const before = stackFile(
      [
        "    servers:",
        "      rec01:",
        "        role: recordingServer",
        "        generation: 4   # reissued after the rename",
        "        hostname: rec01.vms.example.local",
        "",
      ].join("\n"),
    );
    const r = applied(before, [serial("rec01")]);
    expect(r.text).toBe(
      before.replace(
        "generation: 4   # reissued after the rename",
        `generation: 5   # reissued after the rename; renewals: bumped for serial ${SERIAL_A}`,
      ),
    );
    expect(applied(r.text, [serial("rec01")]).text).toBe(r.text);
    const next = applied(r.text, [serial("rec01", SERIAL_B)]).text;
    expect(next).toContain(
      `generation: 6   # reissued after the rename; renewals: bumped for serial ${SERIAL_B}`,
    );
  });

  test("a server without generation starts from defaults.generation", () => {
    const before = stackFile(
      [
        "    defaults: { generation: 2, autoRenew: false }",
        "    servers:",
        "      rec01:",
        "        role: recordingServer",
        "        hostname: rec01.vms.example.local",
        "",
      ].join("\n"),
    );
    const r = applied(before, [serial("rec01")]);
    expect(r.bumped).toEqual([{ server: "rec01", from: 2, to: 3 }]);
    expect(generationOf(r.text, "rec01")).toBe(3);
  });

  test("a flow-style server gets `generation` inside the braces and the record after them", () => {
    const before = stackFile(
      [
        "    servers:",
        "      mgmt01: { role: managementServer, hostname: mgmt01.vms.example.local } # the only one",
        "      rec01: {role: recordingServer, hostname: rec01.vms.example.local, generation: 1}",
        "",
      ].join("\n"),
    );
    const r = applied(before, [serial("mgmt01"), serial("rec01", SERIAL_B)]);
    expect(r.text).toBe(
      stackFile(
        [
          "    servers:",
          `      mgmt01: { role: managementServer, hostname: mgmt01.vms.example.local, generation: 1 } # the only one; renewals: bumped for serial ${SERIAL_A}`,
          `      rec01: {role: recordingServer, hostname: rec01.vms.example.local, generation: 2} # renewals: bumped for serial ${SERIAL_B}`,
          "",
        ].join("\n"),
      ),
    );
    expect(applied(r.text, [serial("mgmt01"), serial("rec01", SERIAL_B)]).text).toBe(r.text);
    expect(generationOf(r.text, "mgmt01")).toBe(1);
  });

  test("CRLF line ends and a file without a final newline are kept as they are", () => {
    const lf =
      "config:\n  xprotect-certs:site:\n    servers:\n      rec01:\n        role: recordingServer\n        hostname: r.example.local";
    const crlf = lf.replace(/\n/g, "\r\n");
    const r = applied(crlf, [
      { server: "rec01", certificate: { kind: "thumbprint", value: "AB".repeat(20) } },
    ]);
    expect(r.text).toBe(
      `${crlf}\r\n        generation: 1 # renewals: bumped for thumbprint ${"AB".repeat(20)}\r\n`,
    );
    expect(
      applied(r.text, [{ server: "rec01", certificate: { kind: "thumbprint", value: "AB".repeat(20) } }])
        .text,
    ).toBe(r.text);
  });

  test("what it cannot edit safely is refused with the reason and the fix, and nothing is changed", () => {
    const problems = (text: string, bumps: BumpRequest[] = [serial("rec01")]) => {
      const r = applyGenerationBumps({ text, file: "Pulumi.test.yaml", bumps });
      return r.ok ? [] : r.problems;
    };
    expect(problems(`config:\n  xprotect-certs:site: '{"servers":{}}'\n`)).toEqual([
      'config."xprotect-certs:site" in Pulumi.test.yaml is a string (JSON?): --apply edits the site written as YAML, as in stacks/Pulumi.example.yaml; rewrite it that way (or give the right --config-file)',
    ]);
    expect(problems("config: {}\n")[0]).toMatch(
      /^config."xprotect-certs:site" in Pulumi.test.yaml is missing: /,
    );
    expect(problems(stackFile("    servers: { rec01: { role: recordingServer } }\n"))[0]).toMatch(
      /^servers of .* is in flow style \(\{\.\.\.\}\): write it as a block map/,
    );
    expect(problems(stackFile("    servers:\n      rec01:\n        generation: two\n"))).toEqual([
      'servers.rec01 of config."xprotect-certs:site" in Pulumi.test.yaml: generation is "two": make it a whole number',
    ]);
    expect(
      problems(stackFile("    servers:\n      rec01:\n        role: x\n"), [{ server: "rec01" }])[0],
    ).toMatch(/^servers\.rec01: the outputs give neither its serialNumber nor its thumbprint/);
    expect(problems("config: [\n")[0]).toMatch(/^Pulumi.test.yaml is not valid YAML: /);
  });
});

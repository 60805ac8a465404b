import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { parseSite } from "../../provider/site/config";
import { applyStage, STAGE_COMMENT, StageResult } from "../../scripts/renewals/yaml-stage";

const EXAMPLE = readFileSync(join(__dirname, "../../stacks/Pulumi.example.yaml"), "utf8");

const stage = (text: string): StageResult => applyStage({ text, file: "Pulumi.test.yaml" });
function staged(text: string): Extract<StageResult, { staged: unknown }> {
  const r = stage(text);
  if (!r.ok) throw new Error(r.problems.join("\n"));
  if (!("staged" in r)) throw new Error("nothing staged");
  return r;
}
const siteOf = (text: string) => parse(text).config["xprotect-certs:site"];
const stackFile = (site: string) => `config:\n  xprotect-certs:site:\n${site}encryptionsalt: v1:abc\n`;

describe("applyStage on stacks/Pulumi.example.yaml", () => {
  test("a minStageDays left from an earlier rotation is removed with its line, after or before ca (issue 24, item 2)", () => {
    const clean = staged(EXAMPLE).text;
    const after = EXAMPLE.replace(
      "    defaults:\n",
      "    minStageDays: 0 # the emergency of 2026\n    defaults:\n",
    );
    const before = EXAMPLE.replace("    ca:\n", "    minStageDays: 0\n    ca:\n");
    for (const text of [after, before]) {
      expect(text).not.toBe(EXAMPLE);
      const r = staged(text);
      expect(r.staged).toEqual({ generation: 1, removedMinStageDays: 0 });
      expect(r.text).toBe(clean);
      expect(siteOf(r.text).minStageDays).toBeUndefined();
    }
  });

  test("adds nextCa (ca's settings, generation 1) right after ca, with its comment; every other byte stays", () => {
    const r = staged(EXAMPLE);
    expect(r.staged).toEqual({ generation: 1 });
    const block = [
      `    ${STAGE_COMMENT}`,
      "    nextCa:",
      "      generation: 1",
      "      commonName: VMS Certificate Authority",
      "      organization: Example Security Ltd",
      "      rsaBits: 3072",
      "      validityDays: 3650",
      "",
    ].join("\n");
    expect(r.text).toContain(`      validityDays: 3650\n${block}    defaults:\n`);
    // Taking the block out gives the original file back, byte for byte (comments included).
    expect(r.text.replace(block, "")).toBe(EXAMPLE);
    const site = siteOf(r.text);
    expect(Object.keys(site)).toEqual(["ca", "nextCa", "defaults", "servers"]);
    expect(site.nextCa).toEqual({ ...site.ca, generation: 1 });
  });

  test("the staged file is a valid site for the stack program: a rotation staged, still issuing from ca", () => {
    const { site, failures } = parseSite(siteOf(staged(EXAMPLE).text));
    expect(failures).toEqual([]);
    expect(site?.nextCa).toMatchObject({ generation: 1, rsaBits: 3072 });
    expect(site?.issueFrom).toBe("ca");
  });

  test("idempotent: a second run finds nextCa and writes nothing", () => {
    const once = staged(EXAMPLE).text;
    expect(stage(once)).toEqual({ ok: true, text: once, already: { generation: 1 } });
  });
});

describe("applyStage, other layouts", () => {
  test.each([
    [
      "ca.generation 3 gives generation 4; generation is not copied; a comment on a setting stays on ca only",
      ["    ca:", "      generation: 3", "      commonName: Site CA # named by IT", "    servers: {}", ""],
      ["    ca:", "      generation: 3", "      commonName: Site CA # named by IT"],
      ["      generation: 4", "      commonName: Site CA"],
    ],
    [
      "quoted values are copied as written",
      ["    ca:", '      commonName: "VMS CA: main"', "      friendlyName: 'Our CA'", "    servers: {}", ""],
      ["    ca:", '      commonName: "VMS CA: main"', "      friendlyName: 'Our CA'"],
      ["      generation: 1", '      commonName: "VMS CA: main"', "      friendlyName: 'Our CA'"],
    ],
    [
      "four-space indentation is followed",
      ["    ca:", "        rsaBits: 4096", "    servers: {}", ""],
      ["    ca:", "        rsaBits: 4096"],
      ["        generation: 1", "        rsaBits: 4096"],
    ],
  ])("%s", (_name, site, caLines, nextLines) => {
    const before = stackFile(site.join("\n"));
    const r = staged(before);
    const nextCa = [`    ${STAGE_COMMENT}`, "    nextCa:", ...nextLines].join("\n");
    expect(r.text).toBe(before.replace(caLines.join("\n"), `${caLines.join("\n")}\n${nextCa}`));
    expect(stage(r.text)).toMatchObject({ ok: true, text: r.text });
  });

  test("CRLF line ends are kept; a file ending inside ca gets nextCa at its end", () => {
    const crlf = "config:\r\n  xprotect-certs:site:\r\n    ca:\r\n      rsaBits: 4096\r\n    servers: {}\r\n";
    expect(staged(crlf).text).toBe(
      crlf.replace(
        "4096\r\n",
        `4096\r\n    ${STAGE_COMMENT}\r\n    nextCa:\r\n      generation: 1\r\n      rsaBits: 4096\r\n`,
      ),
    );
    const open = "config:\n  xprotect-certs:site:\n    servers: {}\n    ca:\n      rsaBits: 4096";
    expect(staged(open).text).toBe(
      `${open}\n    ${STAGE_COMMENT}\n    nextCa:\n      generation: 1\n      rsaBits: 4096\n`,
    );
  });

  test("what it cannot edit safely is refused with the reason and the fix", () => {
    const problems = (text: string) => {
      const r = stage(text);
      return r.ok ? [] : r.problems;
    };
    expect(problems(stackFile("    ca: { rsaBits: 4096 }\n    servers: {}\n"))).toEqual([
      'ca of config."xprotect-certs:site" in Pulumi.test.yaml is in flow style ({...}): write it as a block map, one setting a line, as in stacks/Pulumi.example.yaml, so that --apply can write nextCa beside it',
    ]);
    expect(problems(stackFile("    servers:\n      rec01: { role: recordingServer }\n"))).toEqual([
      'ca of config."xprotect-certs:site" in Pulumi.test.yaml is missing: --apply copies the CA\'s settings into nextCa, right after ca; write ca as a block map with the active CA\'s settings (at least `generation: 0`), or add nextCa by hand (README, "Rotating the root CA")',
    ]);
    expect(problems(stackFile("    ca:\n    servers: {}\n"))[0]).toMatch(/^ca of .* is empty or not a map: /);
    expect(problems(stackFile("    ca:\n      generation: two\n"))).toEqual([
      'ca.generation of config."xprotect-certs:site" in Pulumi.test.yaml is "two": make it a whole number',
    ]);
    expect(problems(`config:\n  xprotect-certs:site: '{"ca":{}}'\n`)[0]).toMatch(
      /^config."xprotect-certs:site" in Pulumi.test.yaml is a string \(JSON\?\): --apply writes the stage step/,
    );
    expect(problems("config:\n  xprotect-certs:site: { ca: { rsaBits: 4096 } }\n")[0]).toMatch(
      /is in flow style \(\{\.\.\.\}\): --apply writes the stage step \(nextCa\) into the site written as a block map/,
    );
    expect(problems("config: [\n")[0]).toMatch(/^Pulumi.test.yaml is not valid YAML: /);
  });

  test("an existing nextCa, however written, is left alone", () => {
    const text = stackFile("    ca:\n      rsaBits: 4096\n    nextCa: { generation: 5 }\n");
    expect(stage(text)).toEqual({ ok: true, text, already: { generation: 5 } });
  });
});

/** The commands' shared argument parsing (scripts/common/args.ts), table by table. */
import { checkStackName, OptionSpecs, readCommandLine, splitVerbatim } from "../../scripts/common/args";

const OPTIONS: OptionSpecs = {
  stack: { type: "string", short: "s" },
  target: { type: "string", multiple: true },
  json: { type: "boolean" },
};

test.each([
  [["--stack", "a", "--json"], { stack: "a", json: true }, []],
  [["-s", "a", "up"], { stack: "a" }, ["up"]],
  [["--stack=a", "--target", "u1", "--target=u2"], { stack: "a", target: ["u1", "u2"] }, []],
  [["--", "--json"], { json: true }, []], // a `--` typed twice through npm is ignored
  [["--stack=-x"], { stack: "-x" }, []], // `=` takes any value
])("readCommandLine(%j)", (argv, values, positionals) => {
  expect(readCommandLine(argv, OPTIONS)).toEqual({ values, positionals });
});

test.each([
  [["--frob"], "Unknown argument: --frob (see --help)"],
  [["--stack"], "--stack needs a value (see --help)"],
  [["--stack", "--json"], "--stack needs a value (see --help)"],
  [["--stack="], "--stack needs a value (see --help)"],
  [["-s"], "-s needs a value (see --help)"],
  [["--json=yes"], "--json takes no value (see --help)"],
])("readCommandLine(%j) is refused: %s", (argv, message) => {
  expect(() => readCommandLine(argv, OPTIONS)).toThrow(message);
});

test.each([
  [["up", "--json"], { own: ["up", "--json"] }],
  [
    ["-s", "pulumi", "pulumi", "stack", "--stack", "x"],
    { own: ["-s", "pulumi", "pulumi"], verbatim: ["stack", "--stack", "x"] },
  ],
  [["pulumi", "--", "version", "--"], { own: ["pulumi"], verbatim: ["version", "--"] }],
])("splitVerbatim(%j, pulumi)", (argv, want) => {
  expect(splitVerbatim(argv, OPTIONS, "pulumi")).toEqual(want);
});

test.each([
  ["example", true],
  ["org/project/stack", true],
  ["a b", false],
  ["a/b/c/d", false],
])("checkStackName(%s) accepts: %s", (name, ok) => {
  if (ok) expect(() => checkStackName(name)).not.toThrow();
  else expect(() => checkStackName(name)).toThrow(`--stack "${name}" is not a stack name: use letters`);
});

/** The commands' one text-table printer (scripts/common/text-table.ts). */
import { columns } from "../../scripts/common/text-table";

test.each([
  [
    "with the dashed rule",
    {},
    ["server  role", "------  ----------", "rec01   recording", "a       management"],
  ],
  ["without it", { rule: false }, ["server  role", "rec01   recording", "a       management"]],
])("columns %s: left-aligned, two spaces apart, no trailing spaces", (_what, opts, want) => {
  expect(
    columns(
      ["server", "role"],
      [
        ["rec01", "recording"],
        ["a", "management"],
      ],
      opts,
    ),
  ).toEqual(want);
});

test("a last column shorter than its header leaves no trailing space", () => {
  expect(columns(["a", "what"], [["xyz", ""]])).toEqual(["a    what", "---  ----", "xyz"]);
});

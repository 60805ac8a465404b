/**
 * PowerShell checked by a real PowerShell grammar: tree-sitter-powershell's WebAssembly build, run by
 * web-tree-sitter (no native compile, no install script), plus one rule the grammar lets through.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Language, Node, Parser } from "web-tree-sitter";

export const REPO = join(__dirname, "../..");
export const readRepoFile = (rel: string): string => readFileSync(join(REPO, rel), "utf8");

let parser: Promise<Parser> | undefined;

function powershellParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    const wasm = require.resolve("tree-sitter-powershell/tree-sitter-powershell.wasm");
    const p = new Parser();
    p.setLanguage(await Language.load(readFileSync(wasm)));
    return p;
  })();
  return parser;
}

/**
 * The syntax errors of a script, as "line:column what" (empty when it parses). Besides the grammar's ERROR and
 * MISSING nodes: `"$name:"` in an expandable string, which PowerShell reads as a drive-qualified variable and
 * refuses ("Variable reference is not valid"), written `${name}:` instead.
 */
export async function powershellErrors(source: string): Promise<string[]> {
  const tree = (await powershellParser()).parse(source);
  if (!tree) throw new Error("tree-sitter returned no tree");
  const errors: string[] = [];
  const walk = (n: Node): void => {
    if (n.isError || n.isMissing) {
      const what = n.isMissing
        ? `missing ${n.type}`
        : `unexpected "${source.slice(n.startIndex, n.startIndex + 40)}"`;
      errors.push(`${n.startPosition.row + 1}:${n.startPosition.column + 1} ${what}`);
    }
    for (const c of n.children) if (c) walk(c);
  };
  walk(tree.rootNode);
  const strings = (n: Node): void => {
    if (n.type === "expandable_string_literal" || n.type === "expandable_here_string_literal") {
      for (const m of n.text.matchAll(/(?<!`)\$([A-Za-z_][A-Za-z0-9_]*):(?![A-Za-z0-9_:])/g)) {
        if (!["env", "script", "global", "local", "using", "private"].includes(m[1].toLowerCase())) {
          errors.push(`${n.startPosition.row + 1}: "$${m[1]}:" in a string: write \${${m[1]}}:`);
        }
      }
    }
    for (const c of n.children) if (c) strings(c);
  };
  strings(tree.rootNode);
  tree.delete();
  return errors;
}

/** The parsed tree of a script (call `tree.delete()` when done). */
export async function parsePowershell(source: string) {
  const tree = (await powershellParser()).parse(source);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return tree;
}

/** The property names read as `$variable.name` (also `$variable.name.more`: only `name`). */
export const readsOf = (source: string, variable: string): string[] =>
  [...new Set([...source.matchAll(new RegExp(`\\$${variable}\\.([A-Za-z]+)`, "g"))].map((m) => m[1]))].sort();

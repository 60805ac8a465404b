/**
 * The commands' argument parsing: Node's `util.parseArgs`, with the messages every command gives. Pure.
 * `--` is accepted and ignored (npm passes it through when typed twice).
 */
import { parseArgs, ParseArgsConfig } from "node:util";

/** The options of a command, as `util.parseArgs` takes them. */
export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** What was given: option values by name (string options that may repeat as lists) and the positionals. */
export interface CommandLine {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` against `options`. Throws an Error `Unknown argument: X (see --help)` for an option not in
 * `options`, `X needs a value (see --help)` for a string option without one (or followed by another option),
 * and `X takes no value (see --help)` for `--flag=value`.
 */
export function readCommandLine(argv: string[], options: OptionSpecs): CommandLine {
  const { values, positionals, tokens } = parseArgs({
    args: argv.filter((a) => a !== "--"),
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const t of tokens) {
    if (t.kind !== "option") continue;
    const spec = options[t.name];
    if (!spec) throw new Error(`Unknown argument: ${t.rawName} (see --help)`);
    if (spec.type === "boolean" && t.value !== undefined)
      throw new Error(`${t.rawName} takes no value (see --help)`);
    if (
      spec.type === "string" &&
      (t.value === undefined || t.value === "" || (!t.inlineValue && t.value.startsWith("-")))
    ) {
      throw new Error(`${t.rawName} needs a value (see --help)`);
    }
  }
  return { values, positionals };
}

/**
 * Splits off a command that passes its arguments on verbatim: when the first positional of `argv` is `command`,
 * the arguments before it (to parse) and those after it (a leading `--` dropped); else all of `argv` to parse.
 */
export function splitVerbatim(
  argv: string[],
  options: OptionSpecs,
  command: string,
): { own: string[]; verbatim?: string[] } {
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const first = tokens.find((t) => t.kind === "positional");
  if (first?.kind !== "positional" || first.value !== command) return { own: argv };
  const verbatim = argv.slice(first.index + 1);
  if (verbatim[0] === "--") verbatim.shift();
  return { own: argv.slice(0, first.index + 1), verbatim };
}

/** The stack every command works on unless told otherwise. */
export const DEFAULT_STACK = "example";

const STACK_NAME = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+){0,2}$/;

/** Throws when `stack` (given with --stack) is not a stack name, saying what one is. */
export function checkStackName(stack: string): void {
  if (!STACK_NAME.test(stack)) {
    throw new Error(
      `--stack "${stack}" is not a stack name: use letters, digits, "-", "_" or "." (or org/project/stack), ` +
        "e.g. example",
    );
  }
}

/**
 * `--apply` when the active root CA is due and no rotation is under way: writes the stage step of a root rotation
 * into a stack file, a `nextCa` map right after `ca` in `xprotect-certs:site`, with `generation` = ca's generation
 * (default 0) + 1 and ca's other settings copied as written. Pure: text in, text out.
 *
 * As yaml-apply.ts does, the yaml package's Document API finds the nodes and the new lines are spliced into the
 * original text, so every other byte of the file stays as it was, but for a `minStageDays` left from an earlier
 * rotation, which is removed (it would shorten this rotation's wait). The switch (`issueFrom: nextCa`) and the
 * retire are reviewed decisions: never written here.
 */
import { isMap, isNode, isScalar, Pair, parseDocument } from "yaml";
import { SITE_KEY } from "./yaml-apply";

/** The comment above the written `nextCa`. */
export const STAGE_COMMENT = '# renewals: stage a new root; see README "Rotating the root CA"';

/** What --apply did for the root rotation's stage step. */
export interface StageApplied {
  /** nextCa's generation (undefined when an existing nextCa does not say). */
  generation?: number;
  /** True when this run wrote it; false when the file already had nextCa, or it could not be written. */
  written: boolean;
  /** Why it could not be written (the server bumps were written all the same). */
  problem?: string;
  /** A minStageDays left from an earlier rotation, removed by this run. */
  removedMinStageDays?: unknown;
}

export type StageResult =
  /**
   * `nextCa` written with this generation; `removedMinStageDays`: a `minStageDays` left from an earlier rotation,
   * taken out so that it does not shorten this rotation's wait.
   */
  | { ok: true; text: string; staged: { generation: number; removedMinStageDays?: unknown } }
  /** `nextCa` already in the file (an earlier run, or the user): nothing written. */
  | { ok: true; text: string; already: { generation?: number } }
  | { ok: false; problems: string[] };

/** A node's source range [start, value end, node end]. */
function rangeOf(node: unknown): [number, number, number] {
  if (!isNode(node) || !node.range) throw new Error("internal error: a YAML node without a source range");
  return node.range;
}

const isWholeNumber = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
const keyOf = (p: Pair): unknown => (isScalar(p.key) ? p.key.value : p.key);
/** The column a position is at. */
const columnOf = (text: string, pos: number): number => pos - (text.lastIndexOf("\n", pos - 1) + 1);

/** Adds `nextCa` after `ca` (see the module comment); refuses, naming the fix, what it cannot edit safely. */
export function applyStage({ text, file }: { text: string; file: string }): StageResult {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    return { ok: false, problems: [`${file} is not valid YAML: ${doc.errors[0].message}`] };
  }
  const where = `config."${SITE_KEY}" in ${file}`;
  const site = doc.getIn(["config", SITE_KEY], true);
  if (!isMap(site) || site.flow) {
    const what =
      site === undefined
        ? "missing"
        : isScalar(site)
          ? "a string (JSON?)"
          : isMap(site)
            ? "in flow style ({...})"
            : "not a map";
    return {
      ok: false,
      problems: [
        `${where} is ${what}: --apply writes the stage step (nextCa) into the site written as a block map, as in ` +
          "stacks/Pulumi.example.yaml; rewrite it that way (or give the right --config-file)",
      ],
    };
  }
  const next = site.get("nextCa", true);
  if (next !== undefined) {
    const generation = isMap(next) ? next.get("generation") : undefined;
    return { ok: true, text, already: { generation: isWholeNumber(generation) ? generation : undefined } };
  }
  const caPair = site.items.find((p) => keyOf(p) === "ca");
  const ca = caPair?.value;
  if (!caPair || !isMap(ca) || ca.items.length === 0) {
    return {
      ok: false,
      problems: [
        `ca of ${where} is ${caPair ? "empty or not a map" : "missing"}: --apply copies the CA's settings into ` +
          "nextCa, right after ca; write ca as a block map with the active CA's settings (at least " +
          '`generation: 0`), or add nextCa by hand (README, "Rotating the root CA")',
      ],
    };
  }
  if (ca.flow) {
    return {
      ok: false,
      problems: [
        `ca of ${where} is in flow style ({...}): write it as a block map, one setting a line, as in ` +
          "stacks/Pulumi.example.yaml, so that --apply can write nextCa beside it",
      ],
    };
  }
  const current = ca.get("generation") ?? 0;
  if (!isWholeNumber(current)) {
    return {
      ok: false,
      problems: [`ca.generation of ${where} is ${JSON.stringify(current)}: make it a whole number`],
    };
  }
  const generation = current + 1;
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  const siteIndent = " ".repeat(columnOf(text, rangeOf(caPair.key)[0]));
  const innerIndent = " ".repeat(columnOf(text, rangeOf(ca.items[0].key)[0]));
  // Each of ca's settings but generation, copied from its key to the end of its value (its comment left out).
  const copied: string[] = [];
  for (const pair of ca.items) {
    if (keyOf(pair) === "generation") continue;
    const start = rangeOf(pair.key)[0];
    const end = rangeOf(pair.value ?? pair.key)[1];
    copied.push(`${innerIndent}${text.slice(start, end).replace(/\r?\n$/, "")}`);
  }
  const lines = [
    `${siteIndent}${STAGE_COMMENT}`,
    `${siteIndent}nextCa:`,
    `${innerIndent}generation: ${generation}`,
    ...copied,
  ];
  // After the line on which ca's last setting ends.
  const end = rangeOf(ca.items[ca.items.length - 1].value ?? ca.items[ca.items.length - 1].key)[1];
  const eol = text[end - 1] === "\n" ? end - 1 : text.indexOf("\n", end);
  const inserted =
    eol < 0
      ? `${text}${newline}${lines.join(newline)}${newline}`
      : `${text.slice(0, eol + 1)}${lines.join(newline)}${newline}${text.slice(eol + 1)}`;
  // A minStageDays left from an earlier rotation (a 0 for an emergency) would apply to this one: it goes.
  const left = site.items.find((p) => keyOf(p) === "minStageDays");
  let out = inserted;
  let removedMinStageDays: unknown;
  if (left) {
    const line = wholeLines(text, left);
    if (!line) {
      return {
        ok: false,
        problems: [
          `minStageDays of ${where} is left from an earlier rotation and would apply to this one: remove it (write ` +
            "it on a line of its own for --apply to do so)",
        ],
      };
    }
    removedMinStageDays = isScalar(left.value) ? left.value.value : undefined;
    // The lines are before or after the insertion point: cut them from the text with nextCa inserted.
    const shift = line.start >= eol + 1 && eol >= 0 ? inserted.length - text.length : 0;
    out = inserted.slice(0, line.start + shift) + inserted.slice(line.end + shift);
  }
  checkStage(text, out, generation);
  return {
    ok: true,
    text: out,
    staged: { generation, ...(left ? { removedMinStageDays } : {}) },
  };
}

/** The whole lines a block pair with a scalar value takes ([start, end) including the line end), if it is alone. */
function wholeLines(text: string, pair: Pair): { start: number; end: number } | undefined {
  if (!isScalar(pair.value)) return undefined;
  const keyAt = rangeOf(pair.key)[0];
  const start = text.lastIndexOf("\n", keyAt - 1) + 1;
  if (text.slice(start, keyAt).trim() !== "") return undefined;
  const valueEnd = rangeOf(pair.value)[1];
  let end = text.indexOf("\n", valueEnd);
  if (!/^[ \t]*(#.*)?\r?$/.test(text.slice(valueEnd, end < 0 ? text.length : end))) return undefined;
  end = end < 0 ? text.length : end + 1;
  return { start, end };
}

/**
 * The edited text must parse to the same config with `nextCa` (ca's settings, the new generation) right after `ca`,
 * and nothing else changed: anything else is a bug here.
 */
function checkStage(before: string, after: string, generation: number): void {
  const config = parseDocument(before).toJS() as { config: Record<string, Record<string, unknown>> };
  const site = config.config[SITE_KEY];
  const ca = site.ca as Record<string, unknown>;
  const nextCa = {
    generation,
    ...Object.fromEntries(Object.entries(ca).filter(([k]) => k !== "generation")),
  };
  const entries: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(site)) {
    entries.push([k, v]);
    if (k === "ca") entries.push(["nextCa", nextCa]);
  }
  config.config[SITE_KEY] = Object.fromEntries(entries.filter(([k]) => k !== "minStageDays"));
  const doc = parseDocument(after);
  const actual = doc.errors.length ? doc.errors[0].message : JSON.stringify(doc.toJS());
  if (actual !== JSON.stringify(config)) {
    throw new Error("internal error: writing nextCa would have changed more than adding nextCa after ca");
  }
}

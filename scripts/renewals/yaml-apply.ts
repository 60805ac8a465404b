/**
 * `--apply`: bumps `generation` of due servers in a stack file (stacks/Pulumi.<stack>.yaml), recording the bump in
 * a comment on the line so that a second run before `up` changes nothing. Pure: text in, text out.
 *
 * The yaml package's Document API finds the nodes; the edit is spliced into the original text at their source
 * ranges, so every other byte of the file (comments, quoting, spacing, flow collections) stays as it was.
 */
import { isMap, isNode, isScalar, parseDocument, Pair, YAMLMap } from "yaml";

/** The stack-config key of the site. */
export const SITE_KEY = "xprotect-certs:site";

/** The certificate a bump was made for: its serial number (preferred) or thumbprint. */
export interface CertificateId {
  kind: "serial" | "thumbprint";
  /** Upper-case hex. */
  value: string;
}

/** A due server to bump. */
export interface BumpRequest {
  server: string;
  /** The certificate now in use; undefined when the outputs do not say (the bump is then refused). */
  certificate?: CertificateId;
}

/** Parameters of {@link applyGenerationBumps}. */
export interface ApplyParams {
  /** The stack file's text. */
  text: string;
  /** The stack file's path, for messages. */
  file: string;
  bumps: BumpRequest[];
}

/** A bump made. */
export interface Bumped {
  server: string;
  from: number;
  to: number;
}

/** A due server whose bump was already recorded for its current certificate (a run before `up`). */
export interface Pending {
  server: string;
  /** The generation already set for it. */
  generation: number;
  /** The certificate it was recorded for. */
  certificate: CertificateId;
}

/** A due server left alone, and why. */
export interface Skipped {
  server: string;
  reason: string;
}

export type ApplyResult =
  | { ok: true; text: string; bumped: Bumped[]; pending: Pending[]; skipped: Skipped[] }
  | { ok: false; problems: string[] };

/** The comment recorded on the generation line. */
export const markerOf = (id: CertificateId): string => `renewals: bumped for ${id.kind} ${id.value}`;
const MARKER = /(?:;\s*)?renewals: bumped for (serial|thumbprint) ([0-9A-Fa-f]+)\s*$/;

/** The serial number if known, else the thumbprint, else undefined. */
export function certificateIdOf(c: {
  serialNumber?: string;
  thumbprint?: string;
}): CertificateId | undefined {
  if (c.serialNumber) return { kind: "serial", value: c.serialNumber };
  if (c.thumbprint) return { kind: "thumbprint", value: c.thumbprint };
  return undefined;
}

interface Edit {
  start: number;
  end: number;
  insert: string;
}

/** The rest of the line from `pos`: blanks and an optional comment (undefined when something else follows). */
function lineTail(text: string, pos: number): { end: number; hash?: number; comment?: string } | undefined {
  let end = text.indexOf("\n", pos);
  if (end < 0) end = text.length;
  if (text[end - 1] === "\r") end--;
  const m = /^[ \t]*(?:#(.*))?$/.exec(text.slice(pos, end));
  if (!m) return undefined;
  return m[1] === undefined ? { end } : { end, hash: text.indexOf("#", pos), comment: m[1] };
}

/** The comment with our marker replaced or appended (another comment on the line is kept). */
function withMarker(comment: string | undefined, id: CertificateId): string {
  const own = (comment ?? "").replace(MARKER, "").trim();
  return own ? `${own}; ${markerOf(id)}` : markerOf(id);
}

const isWholeNumber = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** Bumps `generation` (server's, else defaults', else 0) by one for each due server. */
export function applyGenerationBumps({ text, file, bumps }: ApplyParams): ApplyResult {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    return { ok: false, problems: [`${file} is not valid YAML: ${doc.errors[0].message}`] };
  }
  const site = doc.getIn(["config", SITE_KEY], true);
  const where = `config."${SITE_KEY}" in ${file}`;
  if (!isMap(site)) {
    const what = site === undefined ? "missing" : isScalar(site) ? "a string (JSON?)" : "not a map";
    return {
      ok: false,
      problems: [
        `${where} is ${what}: --apply edits the site written as YAML, as in stacks/Pulumi.example.yaml; ` +
          "rewrite it that way (or give the right --config-file)",
      ],
    };
  }
  const servers = site.get("servers", true);
  if (!isMap(servers) || site.flow || servers.flow) {
    return {
      ok: false,
      problems: [
        `servers of ${where} is ${isMap(servers) ? "in flow style ({...})" : "missing or not a map"}: ` +
          "write it as a block map, one server per entry, as in stacks/Pulumi.example.yaml",
      ],
    };
  }
  const defaultGeneration = site.getIn(["defaults", "generation"]) ?? 0;
  if (!isWholeNumber(defaultGeneration)) {
    return {
      ok: false,
      problems: [
        `defaults.generation of ${where} is ${JSON.stringify(defaultGeneration)}: make it a whole number`,
      ],
    };
  }

  const edits: Edit[] = [];
  const bumped: Bumped[] = [];
  const pending: Pending[] = [];
  const skipped: Skipped[] = [];
  const problems: string[] = [];
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  for (const { server, certificate } of bumps) {
    const node = servers.get(server, true);
    if (!isMap(node)) {
      if (node === undefined)
        skipped.push({ server, reason: `not in ${file} (removed since the last up?): nothing to bump` });
      else problems.push(`servers.${server} of ${where} is not a map: fix it (npm run preview says how)`);
      continue;
    }
    if (!certificate) {
      problems.push(
        `servers.${server}: the outputs give neither its serialNumber nor its thumbprint, so the bump could ` +
          "not be recorded: give outputs that carry them (npm run --silent pulumi -- stack output --json), " +
          "or bump its generation by hand",
      );
      continue;
    }
    const planned = planBump({ text, node, certificate, defaultGeneration, newline });
    if ("problem" in planned) problems.push(`servers.${server} of ${where}: ${planned.problem}`);
    else if ("already" in planned) pending.push({ server, generation: planned.already, certificate });
    else {
      edits.push(...planned.edits);
      bumped.push({ server, from: planned.from, to: planned.from + 1 });
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + e.insert + out.slice(e.end);
  }
  checkEdit(text, out, bumped);
  return { ok: true, text: out, bumped, pending, skipped };
}

interface PlanParams {
  text: string;
  node: YAMLMap;
  certificate: CertificateId;
  defaultGeneration: number;
  newline: string;
}

/** A node's source range [start, value end, node end]. */
function rangeOf(node: unknown): [number, number, number] {
  if (!isNode(node) || !node.range) throw new Error("internal error: a YAML node without a source range");
  return node.range;
}

/** Where a pair's value (or key, when it has none) ends in the source. */
const endOf = (pair: Pair): number => rangeOf(pair.value ?? pair.key)[1];

type Plan = { edits: Edit[]; from: number } | { already: number } | { problem: string };

/**
 * The edits for one server: the new value, and the marker comment at the end of the generation's line (block map)
 * or of the closing brace's line (flow map: a comment cannot go inside the braces).
 */
function planBump({ text, node, certificate, defaultGeneration, newline }: PlanParams): Plan {
  const pair = node.items.find((p: Pair) => isScalar(p.key) && p.key.value === "generation");
  const value = pair?.value;
  if (pair && !(isScalar(value) && isWholeNumber(value.value))) {
    return {
      problem: `generation is ${JSON.stringify(isScalar(value) ? value.value : value)}: make it a whole number`,
    };
  }
  const from = isScalar(value) ? (value.value as number) : defaultGeneration;
  if (!isScalar(value) && !node.flow)
    return { edits: [newGenerationLine(text, node, from + 1, certificate, newline)], from };

  const markerAt = rangeOf(node.flow ? node : value)[1];
  const tail = lineTail(text, markerAt);
  if (!tail) return { problem: "something follows the generation on its line: put it on a line of its own" };
  const recorded = tail.comment === undefined ? undefined : MARKER.exec(tail.comment);
  if (recorded && recorded[1] === certificate.kind && recorded[2].toUpperCase() === certificate.value) {
    return { already: from };
  }
  const edits: Edit[] = [];
  if (isScalar(value)) {
    const [start, end] = rangeOf(value);
    edits.push({ start, end, insert: String(from + 1) });
  } else {
    const last = node.items[node.items.length - 1];
    const at = last ? endOf(last) : rangeOf(node)[0] + 1;
    edits.push({ start: at, end: at, insert: `${last ? ", " : ""}generation: ${from + 1}` });
  }
  const comment = `# ${withMarker(tail.comment, certificate)}`;
  edits.push(
    tail.hash === undefined
      ? { start: markerAt, end: tail.end, insert: ` ${comment}` }
      : { start: tail.hash, end: tail.end, insert: comment },
  );
  return { edits, from };
}

/** A `generation: N # marker` line after a block map's last entry, indented like its first key. */
function newGenerationLine(
  text: string,
  node: YAMLMap,
  generation: number,
  certificate: CertificateId,
  newline: string,
): Edit {
  const keyAt = rangeOf(node.items[0].key)[0];
  const indent = keyAt - (text.lastIndexOf("\n", keyAt - 1) + 1);
  const end = endOf(node.items[node.items.length - 1]);
  const eol = text[end - 1] === "\n" ? end - 1 : text.indexOf("\n", end);
  const line = `${" ".repeat(indent)}generation: ${generation} # ${markerOf(certificate)}`;
  if (eol < 0) return { start: text.length, end: text.length, insert: `${newline}${line}${newline}` };
  return { start: eol + 1, end: eol + 1, insert: `${line}${newline}` };
}

/** The edited text must parse to the same config except the bumped generations: anything else is a bug here. */
function checkEdit(before: string, after: string, bumped: Bumped[]): void {
  const expected = parseDocument(before).toJS() as {
    config: Record<string, { servers: Record<string, object> }>;
  };
  for (const b of bumped) Object.assign(expected.config[SITE_KEY].servers[b.server], { generation: b.to });
  const doc = parseDocument(after);
  const actual = doc.errors.length ? doc.errors[0].message : JSON.stringify(doc.toJS());
  if (actual !== JSON.stringify(expected)) {
    throw new Error(`internal error: editing the generation would have changed more than the generation`);
  }
}

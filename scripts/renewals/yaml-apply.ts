/**
 * `--apply`: bumps `generation` of due servers in a stack file (stacks/Pulumi.<stack>.yaml), recording the bump in
 * a comment on the line so that a second run before `up` changes nothing. Pure: text in, text out.
 *
 * The yaml package's Document API finds the nodes; the edit is spliced into the original text at their source
 * ranges, so every other byte of the file (comments, quoting, spacing, flow collections) stays as it was.
 *
 * YAML merge keys count: Pulumi reads stack files with go-yaml v3, which resolves `<<: *anchor` (a server that
 * merges another server's map inherits its `generation`). A bump changes exactly the due servers' generations as
 * Pulumi reads them: a due server that inherits its generation gets a line of its own, and a server that is not due
 * but would inherit a bumped generation is pinned at its current one (a line of its own, saying why).
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

/** The comment on a line that keeps a server that is not due at its generation (it merges a bumped server). */
export const pinOf = (generation: number): string =>
  `renewals: kept at ${generation}, not due (it merges a server whose generation was bumped)`;

/** The comment recorded on the generation line. */
export const markerOf = (id: CertificateId): string => `renewals: bumped for ${id.kind} ${id.value}`;
const MARKER = /(?:;\s*)?renewals: bumped for (serial|thumbprint) ([0-9A-Fa-f]+)\s*$/;
const PIN = /(?:;\s*)?renewals: kept at \d+, not due \([^)]*\)/;

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
  const own = (comment ?? "").replace(MARKER, "").replace(PIN, "").trim();
  return own ? `${own}; ${markerOf(id)}` : markerOf(id);
}

const isWholeNumber = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** Bumps `generation` (server's, else defaults', else 0) by one for each due server. */
export function applyGenerationBumps({ text, file, bumps }: ApplyParams): ApplyResult {
  const doc = parseDocument(text, { merge: true });
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

  const before = generations(text);
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
    const planned = planBump({ text, node, certificate, from: before[server], newline });
    if ("problem" in planned) problems.push(`servers.${server} of ${where}: ${planned.problem}`);
    else if ("already" in planned) pending.push({ server, generation: planned.already, certificate });
    else {
      edits.push(...planned.edits);
      bumped.push({ server, from: planned.from, to: planned.from + 1 });
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  // Servers that are not due but would follow a bump through a merge key (or an alias) keep their generation.
  const expected = { ...before, ...Object.fromEntries(bumped.map((b) => [b.server, b.to])) };
  const moved = Object.entries(generations(spliced(text, edits)))
    .filter(
      ([server, generation]) => generation !== expected[server] && !bumped.some((b) => b.server === server),
    )
    .map(([server]) => server);
  for (const server of moved) {
    const node = servers.get(server, true);
    const own = isMap(node)
      ? node.items.find((p: Pair) => isScalar(p.key) && p.key.value === "generation")
      : undefined;
    if (!isMap(node) || node.flow || own) {
      problems.push(
        `servers.${server} of ${where} is not due, but it shares its generation with a server bumped here (an ` +
          `alias or a merge key, <<): write its generation as a number in its own block map, or bump it by hand`,
      );
      continue;
    }
    edits.push(pinLine(text, node, before[server], newline));
  }
  if (problems.length > 0) return { ok: false, problems };
  const out = spliced(text, edits);
  checkEdit(text, out, bumped);
  return { ok: true, text: out, bumped, pending, skipped };
}

/** The text with the edits made (from the end, so that earlier positions stay valid). */
function spliced(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + e.insert + out.slice(e.end);
  }
  return out;
}

/**
 * Each server's generation as the site program gets it from Pulumi: merge keys resolved (as go-yaml v3 does), its
 * own, else defaults', else 0.
 */
function generations(text: string): Record<string, unknown> {
  const config = parseDocument(text, { merge: true }).toJS() as {
    config?: Record<string, { servers?: Record<string, unknown>; defaults?: { generation?: unknown } }>;
  };
  const site = config.config?.[SITE_KEY];
  const fallback = site?.defaults?.generation ?? 0;
  return Object.fromEntries(
    Object.entries(site?.servers ?? {}).map(([server, spec]) => [
      server,
      (spec as { generation?: unknown } | null)?.generation ?? fallback,
    ]),
  );
}

interface PlanParams {
  text: string;
  node: YAMLMap;
  certificate: CertificateId;
  /** The server's generation as read (its own, merged, else defaults'). */
  from: unknown;
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
function planBump({ text, node, certificate, from: read, newline }: PlanParams): Plan {
  const pair = node.items.find((p: Pair) => isScalar(p.key) && p.key.value === "generation");
  const value = pair?.value;
  if (pair && !(isScalar(value) && isWholeNumber(value.value))) {
    return {
      problem: `generation is ${JSON.stringify(isScalar(value) ? value.value : String(value))}: make it a whole number`,
    };
  }
  if (!isWholeNumber(read))
    return { problem: `generation is ${JSON.stringify(read)}: make it a whole number` };
  const from = isScalar(value) ? (value.value as number) : read;
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
  return generationLine(text, node, generation, markerOf(certificate), newline);
}

/** A `generation: N # kept` line that pins a server that is not due at the generation it has. */
const pinLine = (text: string, node: YAMLMap, generation: unknown, newline: string): Edit =>
  generationLine(text, node, generation as number, pinOf(generation as number), newline);

function generationLine(
  text: string,
  node: YAMLMap,
  generation: number,
  comment: string,
  newline: string,
): Edit {
  const keyAt = rangeOf(node.items[0].key)[0];
  const indent = keyAt - (text.lastIndexOf("\n", keyAt - 1) + 1);
  const end = endOf(node.items[node.items.length - 1]);
  const eol = text[end - 1] === "\n" ? end - 1 : text.indexOf("\n", end);
  const line = `${" ".repeat(indent)}generation: ${generation} # ${comment}`;
  if (eol < 0) return { start: text.length, end: text.length, insert: `${newline}${line}${newline}` };
  return { start: eol + 1, end: eol + 1, insert: `${line}${newline}` };
}

/**
 * The edited text must read (merge keys resolved, as Pulumi reads it) as the same config except the bumped servers'
 * generations: anything else is a bug here.
 */
function checkEdit(before: string, after: string, bumped: Bumped[]): void {
  const expected = parseDocument(before, { merge: true }).toJS() as {
    config: Record<string, { servers: Record<string, object> }>;
  };
  for (const b of bumped) {
    const servers = expected.config[SITE_KEY].servers;
    servers[b.server] = { ...servers[b.server], generation: b.to };
  }
  const doc = parseDocument(after, { merge: true });
  const actual = doc.errors.length ? doc.errors[0].message : JSON.stringify(doc.toJS());
  if (actual !== JSON.stringify(expected)) {
    throw new Error(`internal error: editing the generation would have changed more than the generation`);
  }
}

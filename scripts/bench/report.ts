/** The results of a run: the machine it ran on, every figure with its target, as a table and as JSON. */
import * as os from "node:os";
import { readFileSync } from "node:fs";
import { columns } from "../common/text-table";
import type { EngineFigures } from "./engine";
import type { OpensslFigures, ProviderFigures } from "./issuance";

/* The machine a run measured: the README's figures are only meaningful with it. */
export interface Machine {
  /** Cores Node may use (os.availableParallelism). */
  cores: number;
  /** "model name" of /proc/cpuinfo (else what os.cpus() says). */
  cpuModel: string;
  node: string;
  /** libuv's thread pool size: key generation runs there (4 unless UV_THREADPOOL_SIZE says otherwise). */
  uvThreadpoolSize: string;
}

export function describeMachine(): Machine {
  const pool = process.env.UV_THREADPOOL_SIZE;
  return {
    cores: os.availableParallelism(),
    cpuModel: cpuModel(),
    node: process.version,
    uvThreadpoolSize: pool ? pool : "4 (default)",
  };
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.split(":").slice(1).join(":").trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/* The results: derived ratios, each figure's target, the table, and the JSON line. */
export interface BenchResults extends ProviderFigures, OpensslFigures, Omit<EngineFigures, "pulumiVersion"> {
  n: number;
  machine: Machine & { openssl: string; pulumi: string };
  /** N native RSA-2048 keys, all at once: the physical floor. */
  floorMs: number;
  /** issueMs / floorMs (target <= 1.2). */
  ratioToFloor: number;
  /** opensslMs / issueMs (target >= 3). */
  speedupVsOpenssl: number;
  /** opensslMs / floorMs: the most any issuer could reach here, since both make the same RSA keys. */
  speedupCeiling: number;
  /** upCreateMs / (floorMs + engineFloorCreateMs) (target <= 1.3). */
  upCreateRatio: number;
  /** upNoopMs / engineFloorNoopMs (target <= 1.3). */
  upNoopRatio: number;
  /** upNoopMs / engineFloorSameCountNoopMs: against a floor with as many resources as the site. */
  upNoopRatioSameCount: number;
  /** upCreateMs / (floorMs + engineFloorSameCountCreateMs). */
  upCreateRatioSameCount: number;
  /** stateBytes.total / n (target <= 16384). */
  stateBytesPerCert: number;
}

export interface Measured {
  n: number;
  machine: BenchResults["machine"];
  floorMs: number;
  provider: ProviderFigures;
  openssl: OpensslFigures;
  engine: EngineFigures;
}

export function resultsOf(m: Measured): BenchResults {
  const { provider, openssl } = m;
  const engine: Omit<EngineFigures, "pulumiVersion"> & { pulumiVersion?: string } = { ...m.engine };
  delete engine.pulumiVersion; // it is in `machine`
  return {
    n: m.n,
    machine: m.machine,
    floorMs: m.floorMs,
    ...provider,
    ratioToFloor: provider.issueMs / m.floorMs,
    ...openssl,
    speedupVsOpenssl: openssl.opensslMs / provider.issueMs,
    speedupCeiling: openssl.opensslMs / m.floorMs,
    ...engine,
    upCreateRatio: engine.upCreateMs / (m.floorMs + engine.engineFloorCreateMs),
    upNoopRatio: engine.upNoopMs / engine.engineFloorNoopMs,
    upNoopRatioSameCount: engine.upNoopMs / engine.engineFloorSameCountNoopMs,
    upCreateRatioSameCount: engine.upCreateMs / (m.floorMs + engine.engineFloorSameCountCreateMs),
    stateBytesPerCert: engine.stateBytes.total / m.n,
  };
}

type Op = "<=" | ">=" | "=";
interface Target {
  op: Op;
  value: number | ((r: BenchResults) => number);
}

/** The issue's targets (and the counts that must hold for the figures to mean anything). */
export const TARGETS: Partial<Record<keyof BenchResults, Target>> = {
  ratioToFloor: { op: "<=", value: 1.2 },
  speedupVsOpenssl: { op: ">=", value: 3 },
  issueKeys: { op: "=", value: (r) => r.n },
  noopKeys: { op: "=", value: 0 },
  noopChanged: { op: "=", value: 0 },
  upCreateRatio: { op: "<=", value: 1.3 },
  upCreateKeys: { op: "=", value: (r) => r.n + 1 },
  upNoopRatio: { op: "<=", value: 1.3 },
  upNoopKeys: { op: "=", value: 0 },
  upNoopChanged: { op: "=", value: 0 },
  upChangeOneUpdated: { op: "=", value: 2 },
  stateBytesPerCert: { op: "<=", value: 16384 },
};

const targetValue = (t: Target, r: BenchResults): number =>
  typeof t.value === "function" ? t.value(r) : t.value;

export function meets(t: Target, r: BenchResults, v: number): boolean {
  const want = targetValue(t, r);
  return t.op === "<=" ? v <= want : t.op === ">=" ? v >= want : v === want;
}

type Kind = "ms" | "ratio" | "count" | "bytes";
type Row = [key: keyof BenchResults, kind: Kind, what: string];

const ROWS: Row[] = [
  ["floorMs", "ms", "N native RSA-2048 keys, all at once"],
  ["issueMs", "ms", "provider check + create of N certificates with PFX, all at once"],
  ["issueKeys", "count", "keys those made"],
  ["ratioToFloor", "ratio", "issueMs / floorMs"],
  ["opensslMs", "ms", "OpenSSL CLI: genrsa, req, x509, pkcs12 per certificate, in sequence"],
  ["speedupVsOpenssl", "ratio", "opensslMs / issueMs"],
  ["speedupCeiling", "ratio", "opensslMs / floorMs: the most key generation allows on this machine"],
  ["noopCheckMs", "ms", "provider check of the N unchanged certificates"],
  ["noopDiffMs", "ms", "provider diff of the N unchanged certificates"],
  ["noopKeys", "count", "keys made by check + diff"],
  ["noopChanged", "count", "diffs that reported a change"],
  ["engineFloorCreateMs", "ms", "engine: up creating N do-nothing dynamic resources"],
  ["engineFloorNoopMs", "ms", "engine: up of those, unchanged"],
  ["upCreateMs", "ms", "engine: up creating the CA, N certificates, N bindings"],
  ["upCreateKeys", "count", "keys that up made"],
  ["upCreateRatio", "ratio", "upCreateMs / (floorMs + engineFloorCreateMs)"],
  ["engineFloorSameCountCreateMs", "ms", "engine: up creating 2N + 1 do-nothing resources"],
  ["upCreateRatioSameCount", "ratio", "upCreateMs / (floorMs + engineFloorSameCountCreateMs)"],
  ["upNoopMs", "ms", "engine: up of the unchanged site"],
  ["upNoopRatio", "ratio", "upNoopMs / engineFloorNoopMs"],
  [
    "engineFloorSameCountNoopMs",
    "ms",
    "engine: up of 2N + 1 unchanged do-nothing resources (the site's count)",
  ],
  ["upNoopRatioSameCount", "ratio", "upNoopMs / engineFloorSameCountNoopMs"],
  ["upNoopKeys", "count", "keys that up made"],
  ["upNoopChanged", "count", "resources that up did not leave the same"],
  ["upChangeOneMs", "ms", "engine: up after one server's DNS names changed"],
  ["upChangeOneUpdated", "count", "resources that up updated"],
  ["stateBytesPerCert", "bytes", "bytes of `pulumi stack export` / N"],
];

function format(kind: Kind, v: number, n: number): string {
  if (kind === "ms") return `${Math.round(v)} ms (${(v / n).toFixed(1)}/cert)`;
  if (kind === "ratio") return v.toFixed(2);
  return String(Math.round(v));
}

const statusOf = (t: Target | undefined, r: BenchResults, v: number): [string, string] =>
  t ? [`${t.op} ${targetValue(t, r)}`, meets(t, r, v) ? "ok" : "MISSED"] : ["", ""];

/** The human table (stdout). */
export function formatTable(r: BenchResults): string {
  const m = r.machine;
  const lines = [
    `xprotect-certs benchmark, N = ${r.n}`,
    `machine: ${m.cores} cores (${m.cpuModel}), UV_THREADPOOL_SIZE ${m.uvThreadpoolSize}, Node ${m.node}, ` +
      `${m.openssl}, Pulumi CLI ${m.pulumi}`,
    r.opensslScaled
      ? `OpenSSL: ${r.opensslMeasuredN} certificates timed, scaled to ${r.n}`
      : `OpenSSL: all ${r.n} certificates timed (not scaled)`,
    "",
  ];
  const table: string[][] = [["figure", "value", "target", "", "what"]];
  for (const [key, kind, what] of ROWS) {
    const v = r[key] as number;
    table.push([key, format(kind, v, r.n), ...statusOf(TARGETS[key], r, v), what]);
  }
  const s = r.stateBytes;
  const parts: Array<[string, number, string]> = [
    ["total", s.total, "the whole export"],
    ["perServerCertificate", s.perServerCertificate, "one ServerCertificate resource"],
    ["perBinding", s.perBinding, "one CertificateBinding resource"],
    ["ca", s.ca, "the CaCertificate resource"],
    ["stackResource", s.stackResource, "the stack resource (the program's outputs)"],
    ["providerClosure", s.providerClosure, "one __provider string (stored in inputs and outputs)"],
  ];
  for (const [k, v, what] of parts) table.push([`stateBytes.${k}`, String(v), "", "", what]);
  lines.push(...columns(table[0], table.slice(1), { rule: false }));
  return lines.join("\n") + "\n";
}

/** The JSON line: every figure, fractions rounded to 0.001. */
export function formatJson(r: BenchResults): string {
  const round = (v: unknown): unknown =>
    typeof v === "number" && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v;
  return JSON.stringify(r, (_k, v) => round(v));
}

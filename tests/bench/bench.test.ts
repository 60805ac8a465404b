/**
 * `npm run bench` as a smoke test: the built benchmark, run as its own process at N = 3, finishes and prints
 * every figure, with the counts that must hold (no key in a no-op, two updates for one server's change).
 * Timings are measured by the benchmark but never asserted here.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const CLI = join(__dirname, "../../dist/scripts/bench/cli.js");
const N = 3;

const NUMBER_FIELDS = [
  "n",
  "floorMs",
  "issueMs",
  "ratioToFloor",
  "opensslMs",
  "speedupVsOpenssl",
  "noopDiffMs",
  "noopKeys",
  "engineFloorCreateMs",
  "engineFloorNoopMs",
  "upCreateMs",
  "upCreateRatio",
  "upNoopMs",
  "upNoopRatio",
  "engineFloorSameCountCreateMs",
  "engineFloorSameCountNoopMs",
  "upNoopRatioSameCount",
  "speedupCeiling",
  "upCreateRatioSameCount",
  "upNoopKeys",
  "upChangeOneUpdated",
  "stateBytesPerCert",
] as const;
const STATE_BYTES_FIELDS = [
  "total",
  "perServerCertificate",
  "perBinding",
  "ca",
  "stackResource",
  "providerClosure",
] as const;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const runBench = (args: string[]): Promise<Run> =>
  new Promise((resolve) =>
    execFile(
      process.execPath,
      [CLI, ...args],
      { timeout: 110_000, maxBuffer: 64 << 20, encoding: "utf8" },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    ),
  );

describe("npm run bench", () => {
  let run: Run;
  let figures: Record<string, unknown>;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
    run = await runBench(["--n", String(N), "--json"]);
    const lines = run.stdout.trimEnd().split("\n");
    try {
      figures = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    } catch {
      figures = {};
    }
  }, 120_000);

  test("finishes, with the table then one JSON object on the last line of stdout", () => {
    expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });
    expect(figures.n).toBe(N);
    for (const field of NUMBER_FIELDS) expect(run.stdout).toContain(field);
  });

  test("prints every figure as a finite number, and the state's breakdown", () => {
    for (const field of NUMBER_FIELDS) {
      expect({ field, finite: Number.isFinite(figures[field]) }).toEqual({ field, finite: true });
    }
    const stateBytes = figures.stateBytes as Record<string, unknown>;
    for (const field of STATE_BYTES_FIELDS) {
      expect({ field, bytes: Number(stateBytes?.[field]) > 0 }).toEqual({ field, bytes: true });
    }
  });

  test("makes no key in a no-op (provider diff, engine up) and updates two resources for one server's change", () => {
    expect({
      noopKeys: figures.noopKeys,
      upNoopKeys: figures.upNoopKeys,
      upChangeOneUpdated: figures.upChangeOneUpdated,
    }).toEqual({ noopKeys: 0, upNoopKeys: 0, upChangeOneUpdated: 2 });
  });

  test("really issued: N keys at the provider, N + 1 (with the CA) on the engine, all OpenSSL certificates timed", () => {
    expect({
      issueKeys: figures.issueKeys,
      upCreateKeys: figures.upCreateKeys,
      opensslScaled: figures.opensslScaled,
    }).toEqual({ issueKeys: N, upCreateKeys: N + 1, opensslScaled: false });
  });
});

test("a bad argument stops it with a message naming the argument, the value and the fix", async () => {
  const r = await runBench(["--n", "zero"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`--n "zero" is not a whole number from 1 to 100000: give e.g. --n 50`);
});

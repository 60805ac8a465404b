/**
 * `npm run bench [-- --n N] [--openssl-n K] [--json]`: issue 8's figures, all measured in this run, in order:
 * the key-generation floor, provider-level issuance and no-op diff, the OpenSSL script, the real engine.
 * stdout: the table, then (with --json) one JSON object on the last line. stderr: progress.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OptionSpecs, readCommandLine } from "../common/args";
import { measureEngine } from "./engine";
import {
  benchServers,
  measureKeyFloor,
  measureOpenssl,
  measureProvider,
  opensslVersion,
  stderrProgress as progress,
} from "./issuance";
import { describeMachine, formatJson, formatTable, resultsOf } from "./report";

/* The command line: `[--n N] [--openssl-n K] [--json]`. */

/** Servers (certificates) per measurement when --n is not given. */
export const DEFAULT_N = 200;

export interface BenchArgs {
  /** Servers (certificates) per measurement. */
  n: number;
  /** Certificates the OpenSSL script makes; the time is scaled to n when smaller. Default: n. */
  opensslN: number;
  /** Print the results as one JSON object on stdout's last line, after the table. */
  json: boolean;
  /** Print the usage and stop. */
  help: boolean;
}

export const USAGE = `Usage: npm run bench [-- [--n N] [--openssl-n K] [--json]]

  --n N          servers (certificates) per measurement (default ${DEFAULT_N})
  --openssl-n K  make only K certificates with the OpenSSL script and scale its time to N (default: N)
  --json         after the table, print every figure as one JSON object on the last line of stdout
`;

const OPTIONS: OptionSpecs = {
  n: { type: "string" },
  "openssl-n": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** Parses argv (without node and the script); throws an error naming the argument, the value and the fix. */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values, positionals } = readCommandLine(argv, OPTIONS);
  if (positionals.length > 0) {
    throw new Error(`unknown argument "${positionals[0]}": use --n, --openssl-n or --json (see --help)`);
  }
  const n = values.n === undefined ? DEFAULT_N : positiveInteger("--n", values.n as string);
  const opensslN =
    values["openssl-n"] === undefined
      ? undefined
      : positiveInteger("--openssl-n", values["openssl-n"] as string);
  if (opensslN !== undefined && opensslN > n) {
    throw new Error(`--openssl-n ${opensslN} is more than --n ${n}: give at most ${n}, or leave it out`);
  }
  return { n, opensslN: opensslN ?? n, json: values.json === true, help: values.help === true };
}

function positiveInteger(flag: string, text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1 || v > 100000) {
    throw new Error(`${flag} "${text}" is not a whole number from 1 to 100000: give e.g. ${flag} 50`);
  }
  return v;
}

async function main(argv: string[]): Promise<void> {
  const args = parseBenchArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const base = mkdtempSync(join(tmpdir(), "xprotect-bench-"));
  const removeBase = () => rmSync(base, { recursive: true, force: true });
  // Also on an uncaught error or Ctrl-C (the engine's pulumi process gets the signal too).
  const onSigint = () => process.exit(130);
  process.once("exit", removeBase);
  process.once("SIGINT", onSigint);
  try {
    const n = args.n;
    const servers = benchServers(n);
    const machine = describeMachine();
    progress(
      `floor: ${n} RSA-2048 keys on ${machine.cores} cores (UV_THREADPOOL_SIZE ${machine.uvThreadpoolSize})`,
    );
    const floorMs = await measureKeyFloor(n);
    const provider = await measureProvider({ servers, keylog: join(base, "provider-keys.log"), progress });
    const opensslDir = join(base, "openssl");
    mkdirSync(opensslDir);
    progress(`openssl: ${args.opensslN} certificates, one after the other`);
    const openssl = await measureOpenssl({
      servers,
      measuredN: args.opensslN,
      caRsaBits: provider.caRsaBits,
      caValidityDays: provider.caValidityDays,
      dir: opensslDir,
      progress,
    });
    const engineDir = join(base, "engine");
    mkdirSync(engineDir);
    const engine = await measureEngine({ servers, baseDir: engineDir, progress });
    const results = resultsOf({
      n,
      machine: { ...machine, openssl: await opensslVersion(), pulumi: engine.pulumiVersion },
      floorMs,
      provider,
      openssl,
      engine,
    });
    process.stdout.write(formatTable(results));
    if (args.json) process.stdout.write(formatJson(results) + "\n");
  } finally {
    process.off("SIGINT", onSigint);
    process.off("exit", removeBase);
    removeBase();
  }
}

// The Automation API's language server keeps a handle open: exit explicitly once stdout is written.
main(process.argv.slice(2)).then(
  () => process.stdout.write("", () => process.exit(0)),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);

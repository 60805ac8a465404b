/**
 * `npm run bench [-- --n N] [--openssl-n K] [--json]`: issue 8's figures, all measured in this run, in order:
 * the key-generation floor, provider-level issuance and no-op diff, the OpenSSL script, the real engine.
 * stdout: the table, then (with --json) one JSON object on the last line. stderr: progress.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBenchArgs, USAGE } from "./args";
import { measureEngine } from "./engine";
import { measureKeyFloor } from "./floor";
import { describeMachine } from "./machine";
import { measureOpenssl, opensslVersion } from "./openssl";
import { measureProvider } from "./provider-issue";
import { formatJson, formatTable, resultsOf } from "./report";
import { benchServers } from "./site-spec";
import { stderrProgress as progress } from "./timer";

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

/**
 * Entry point of `npm run renewals`: lists the certificates due for renewal, and with --apply bumps their
 * `generation` in the stack file so that a reviewed pull request and `npm run up` renew them (GitOps).
 * Exit codes: 0 nothing due, 10 something due, 2 errors (each message names the problem and the fix).
 */
import * as fs from "fs";
import * as path from "path";
import { resolveNow } from "../../provider/runtime/clock";
import { parseArgs, RenewalsArgs, USAGE } from "./args";
import { findDue, RenewalReport } from "./due";
import { renderHtml } from "./html";
import { toJsonReport } from "./json-report";
import type { SiteCertificates } from "../../provider/contract";
import { formatProblems, parseOutputsJson } from "./outputs";
import { formatPrBody } from "./pr-body";
import { stackFilePath } from "./stack-file";
import { caLine, formatReport } from "./table";
import { applyGenerationBumps, Bumped, certificateIdOf } from "./yaml-apply";

export const EXIT_NOTHING_DUE = 0;
export const EXIT_DUE = 10;
export const EXIT_ERROR = 2;

/** Where the program writes (the process's streams, or test doubles). */
export interface Io {
  /** The report (table or JSON). */
  out: (s: string) => void;
  /** Errors, and --apply's messages when the report is JSON. */
  err: (s: string) => void;
  /** XPROTECT_CERTS_NOW, XPROTECT_CERTS_WORKDIR and the engine's variables. */
  env: Record<string, string | undefined>;
}

const processIo: Io = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  env: process.env,
};

/**
 * The folder of Pulumi.yaml the engine runs in: XPROTECT_CERTS_WORKDIR (as scripts/engine/cli.ts honours it) or
 * the repo. The engine modules load only when needed: with --outputs and --config-file the command stays quick.
 */
async function workDirOf(env: Io["env"]): Promise<string> {
  if (env.XPROTECT_CERTS_WORKDIR) return env.XPROTECT_CERTS_WORKDIR;
  const { repoRoot } = await import("../engine/workspace");
  return repoRoot();
}

const shortPath = (file: string): string => {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
};

async function loadOutputs(args: RenewalsArgs, io: Io): Promise<SiteCertificates> {
  let text: string;
  let source: string;
  if (args.outputs) {
    source = args.outputs;
    try {
      text = fs.readFileSync(args.outputs, "utf8");
    } catch (e) {
      throw new Error(
        `cannot read --outputs ${args.outputs}: ${(e as Error).message}\n` +
          "Write it with: npm run --silent pulumi -- stack output --json --stack NAME > FILE",
      );
    }
  } else {
    const stack = args.stack as string;
    const { readEngineOutputs } = await import("./engine-outputs");
    const read = await readEngineOutputs({ stack, workDir: await workDirOf(io.env) });
    if (!read.ok) throw new Error(read.reason);
    text = read.text;
    source = `the outputs of stack "${stack}"`;
  }
  const parsed = parseOutputsJson(text, source);
  if (!parsed.ok) throw new Error(`${source}:\n${formatProblems(parsed.problems)}`);
  return parsed.site;
}

/** --apply: edits the stack file; returns the file and the bumps made or already recorded. */
async function apply(
  args: RenewalsArgs,
  report: RenewalReport,
  io: Io,
): Promise<{ file: string; bumped: Bumped[] }> {
  const file =
    args.configFile ?? stackFilePath({ workDir: await workDirOf(io.env), stack: args.stack as string });
  const log = args.json ? io.err : io.out;
  if (report.due.length === 0) return { file, bumped: [] };
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(
      `cannot read the stack file ${file}: ${(e as Error).message}\n` +
        "Give the stack's config file with --config-file FILE (or run in the project that holds it).",
    );
  }
  const result = applyGenerationBumps({
    text,
    file: shortPath(file),
    bumps: report.due.map((d) => ({ server: d.server, certificate: certificateIdOf(d) })),
  });
  if (!result.ok) throw new Error(`--apply changed nothing:\n${result.problems.join("\n")}`);
  if (result.text !== text) writeFile("the stack file", file, result.text);
  for (const b of result.bumped) log(`${shortPath(file)}: ${b.server} generation ${b.from} -> ${b.to}\n`);
  for (const p of result.pending) {
    log(
      `${shortPath(file)}: ${p.server} already bumped to generation ${p.generation} for ` +
        `${p.certificate.kind} ${p.certificate.value}: run npm run up to reissue it\n`,
    );
  }
  for (const s of result.skipped) log(`${shortPath(file)}: ${s.server} ${s.reason}\n`);
  // For the PR body: what the file now says will be reissued, including bumps recorded by an earlier run.
  const already = result.pending.map((p) => ({ server: p.server, from: p.generation - 1, to: p.generation }));
  return { file, bumped: [...result.bumped, ...already].sort((a, b) => a.server.localeCompare(b.server)) };
}

/** Writes `text` to `file`; `what` names it in the error (an option, or "the stack file"). */
function writeFile(what: string, file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (e) {
    throw new Error(`cannot write ${what} ${file}: ${(e as Error).message}`);
  }
}

/** Runs the command line; returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.out(USAGE);
      return 0;
    }
    const clock = resolveNow(io.env);
    if (!clock.ok) throw new Error(clock.reason);
    const site = await loadOutputs(args, io);
    const report = findDue({ site, now: clock.now, withinDays: args.withinDays });
    const applied = args.apply ? await apply(args, report, io) : undefined;
    if (args.json) io.out(JSON.stringify(toJsonReport(report), null, 2) + "\n");
    else io.out(formatReport(report));
    if (args.apply && report.ca.due) {
      (args.json ? io.err : io.out)(`--apply changes nothing for the CA. ${caLine(report.ca)}\n`);
    }
    const stack = args.stack ?? path.basename(args.outputs ?? "site", ".json");
    if (args.prBody) {
      const body = formatPrBody({
        report,
        stack,
        file: applied && shortPath(applied.file),
        bumped: applied?.bumped ?? [],
      });
      writeFile("--pr-body", args.prBody, body);
    }
    if (args.html) writeFile("--html", args.html, renderHtml({ report, site, stack }));
    return report.due.length > 0 || report.ca.due ? EXIT_DUE : EXIT_NOTHING_DUE;
  } catch (e) {
    io.err(`renewals: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_ERROR;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}

/**
 * Entry point of `npm run renewals`: lists the certificates due for renewal and the root CAs with the stage of a
 * root rotation. With --apply it bumps the due servers' `generation` in the stack file, and writes the stage step
 * of a root rotation (`nextCa`) when the active root is due, so that a reviewed pull request and `npm run up` renew
 * them (GitOps). With --metrics it writes every expiry for node_exporter's textfile collector.
 * Exit codes: 0 nothing due, 10 something due, 2 errors (each message names the problem and the fix).
 */
import * as fs from "fs";
import * as path from "path";
import { resolveNow } from "../../provider/runtime/clock";
import { writeNewFile } from "../common/new-file";
import { parseArgs, RenewalsArgs, USAGE } from "./args";
import { findDue, RenewalReport } from "./due";
import { renderHtml } from "./html";
import { toJsonReport } from "./json-report";
import { formatMetrics } from "./metrics";
import { formatProblems, parseOutputsJson, RenewalSite } from "./outputs";
import { formatPrBody } from "./pr-body";
import { stackFilePath } from "./stack-file";
import { formatReport } from "./table";
import { applyGenerationBumps, Bumped, certificateIdOf } from "./yaml-apply";
import { applyStage, StageApplied } from "./yaml-stage";
import type { Project } from "../engine/project";

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
  /** Where the stack is read: this repository's project unless given (the package's bin gives the user's). */
  project?: Project;
}

const processIo: Io = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  env: process.env,
};

/**
 * The project the stack is read from: the one given, or this repository's (XPROTECT_CERTS_WORKDIR or the repo).
 * The engine modules load only when needed: with --outputs and --config-file the command stays quick.
 */
async function projectOf(io: Io): Promise<Project> {
  return io.project ?? (await import("../engine/project")).repositoryProject(io.env);
}

const shortPath = (file: string): string => {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
};

async function loadOutputs(args: RenewalsArgs, io: Io): Promise<RenewalSite> {
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
    const read = await readEngineOutputs({ stack, project: await projectOf(io) });
    if (!read.ok) throw new Error(read.reason);
    text = read.text;
    source = `the outputs of stack "${stack}"`;
  }
  const parsed = parseOutputsJson(text, source);
  if (!parsed.ok) throw new Error(`${source}:\n${formatProblems(parsed.problems)}`);
  return parsed.site;
}

/** What --apply did: the file, the bumps made or already recorded, and the stage step when it was due. */
interface Applied {
  file: string;
  bumped: Bumped[];
  stage?: StageApplied;
}

/**
 * --apply: edits the stack file (the due servers' bumps, then nextCa when the active root is due and no rotation is
 * under way) and writes it once; on any problem nothing is written.
 */
async function apply(args: RenewalsArgs, report: RenewalReport, io: Io): Promise<Applied> {
  const file =
    args.configFile ?? stackFilePath({ workDir: (await projectOf(io)).workDir, stack: args.stack as string });
  const log = args.json ? io.err : io.out;
  const stageDue = report.nextStep?.step === "stage";
  // A server whose renewal request waits for its enterprise CA (issuer external) is renewing already: a bump
  // would replace that request (perhaps submitted already) with a new one.
  const waiting = new Map((report.pending ?? []).map((p) => [p.server, p.requestId]));
  for (const d of report.due.filter((x) => waiting.has(x.server))) {
    log(
      `${d.server} not bumped: its request ${waiting.get(d.server)} waits for the enterprise CA; submit it ` +
        `(npm run bundle -- --requests) and commit the signed certificate\n`,
    );
  }
  const due = report.due.filter((d) => !waiting.has(d.server));
  if (due.length === 0 && !stageDue) return { file, bumped: [] };
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(
      `cannot read the stack file ${file}: ${(e as Error).message}\n` +
        "Give the stack's config file with --config-file FILE (or run in the project that holds it).",
    );
  }
  const short = shortPath(file);
  const result = applyGenerationBumps({
    text,
    file: short,
    // A certificate held back by its root's end is renewed by a root rotation, not by a bump: a reissue would end
    // no later, and the next weekly run would bump it again (a new key and reinstall every week).
    bumps: due
      .filter((d) => !d.heldBackByRoot && !d.identityProvider && !d.publicCertificate)
      .map((d) => ({ server: d.server, certificate: certificateIdOf(d) })),
  });
  if (!result.ok) throw new Error(`--apply changed nothing:\n${result.problems.join("\n")}`);
  const staged = stageDue ? applyStage({ text: result.text, file: short }) : undefined;
  // The stage step cannot be written: with nothing else to write that is an error; the servers' bumps are still
  // written (they renew what is due now), and the stage step is reported as the next thing to do by hand.
  const bumpsWritten = result.text !== text;
  if (staged && !staged.ok && !bumpsWritten)
    throw new Error(`--apply changed nothing:\n${staged.problems.join("\n")}`);
  const stageProblem = staged && !staged.ok ? staged.problems.join("; ") : undefined;
  const edited = staged && staged.ok ? staged.text : result.text;
  if (edited !== text) writeFile("the stack file", file, edited);
  for (const b of result.bumped) log(`${short}: ${b.server} generation ${b.from} -> ${b.to}\n`);
  for (const p of result.pending) {
    log(
      `${short}: ${p.server} already bumped to generation ${p.generation} for ` +
        `${p.certificate.kind} ${p.certificate.value}: run npm run up to reissue it\n`,
    );
  }
  for (const s of result.skipped) log(`${short}: ${s.server} ${s.reason}\n`);
  for (const d of report.due.filter((x) => x.heldBackByRoot)) {
    log(
      `${short}: ${d.server} not bumped: it ends with its root CA, so a new certificate would end no later; ` +
        `the root rotation renews it${report.nextStep ? ` (next: ${report.nextStep.step})` : ""}\n`,
    );
  }
  for (const d of report.due.filter((x) => x.identityProvider && !x.heldBackByRoot)) {
    log(
      `${short}: ${d.server} not bumped: it has no generation of its own; npm run up reissues it (autoRenew). ` +
        `Then install it on every node, fail over once and enter the external identity provider's client ` +
        `secret again (README "Clustered management server")\n`,
    );
  }
  for (const d of report.due.filter((x) => x.publicCertificate)) {
    log(
      `${short}: ${d.server} not bumped: a public certificate has no generation; npm run up orders a new one from ` +
        `the ACME CA once it is due (README "Internet-facing servers (ACME)")\n`,
    );
  }
  let stage: StageApplied | undefined;
  if (stageProblem) {
    stage = { written: false, problem: stageProblem };
    io.err(
      `${short}: the server bumps are written, but not the stage step of the root rotation (nextCa): ` +
        `${stageProblem}\n`,
    );
  } else if (staged && "staged" in staged) {
    const { removedMinStageDays } = staged.staged;
    stage = {
      generation: staged.staged.generation,
      written: true,
      ...("removedMinStageDays" in staged.staged ? { removedMinStageDays } : {}),
    };
    log(
      `${short}: nextCa (generation ${stage.generation}) added after ca: the stage step of a root rotation; ` +
        "after review and merge, npm run up makes the next root and every client trusts it; the root step " +
        "changes no server certificate\n",
    );
    if ("removedMinStageDays" in staged.staged) {
      log(
        `${short}: minStageDays (${String(removedMinStageDays)}) removed: left from an earlier rotation, it would ` +
          "shorten this one's wait (the default, 7 days, applies)\n",
      );
    }
  } else if (staged && staged.ok) {
    stage = { generation: staged.already.generation, written: false };
    log(
      `${short}: nextCa is already there (generation ${stage.generation ?? "not given"}): nothing written; ` +
        "merge it and run npm run up to stage the next root\n",
    );
  }
  // For the PR body: what the file now says will be reissued, including bumps recorded by an earlier run.
  const already = result.pending.map((p) => ({ server: p.server, from: p.generation - 1, to: p.generation }));
  const bumped = [...result.bumped, ...already].sort((a, b) => a.server.localeCompare(b.server));
  return { file, bumped, stage };
}

/**
 * Writes `text` to `file` through a new temporary file beside it (random name, exclusive, no symlink followed)
 * and a rename (scripts/common/new-file.ts), so that a reader of the folder (node_exporter's textfile collector)
 * never sees half a file and nothing planted in the folder is written through.
 */
function writeFileAtomic(what: string, file: string, text: string): void {
  try {
    writeNewFile(file, text, { mode: 0o644, replace: true });
  } catch (e) {
    throw new Error(`cannot write ${what} ${file}: ${(e as Error).message}`);
  }
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
    const step = report.nextStep;
    if (args.apply && step && step.step !== "stage") {
      (args.json ? io.err : io.out)(
        `--apply does not write the ${step.step} step of the root rotation: it is a reviewed decision. ` +
          `Next: ${step.action}.\n`,
      );
    }
    const stack = args.stack ?? path.basename(args.outputs ?? "site", ".json");
    if (args.prBody) {
      const body = formatPrBody({
        report,
        stack,
        file: applied && shortPath(applied.file),
        bumped: applied?.bumped ?? [],
        stage: applied?.stage,
      });
      writeFile("--pr-body", args.prBody, body);
    }
    if (args.html) writeFile("--html", args.html, renderHtml({ report, site, stack }));
    if (args.metrics) writeFileAtomic("--metrics", args.metrics, formatMetrics(site));
    return report.due.length > 0 || report.ca.due ? EXIT_DUE : EXIT_NOTHING_DUE;
  } catch (e) {
    io.err(`renewals: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_ERROR;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}

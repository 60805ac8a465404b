/**
 * End-to-end helper: runs an inline program on the real Pulumi engine against a throw-away file backend.
 *
 * The program runs in the jest process, so variables the *program* reads must be set in `process.env` by the
 * caller. Variables for the engine and the dynamic-provider process (where provider create/read/update/delete
 * run) are given with `env` / `setEnv`.
 */
import type { Deployment, OpMap, Stack } from "@pulumi/pulumi/automation";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import * as vm from "vm";
import * as YAML from "yaml";
import { openStack, PROJECT_NAME, repoRoot } from "../../scripts/engine/workspace";

/** Passphrase of every test stack (test state is throw-away). */
export const TEST_PASSPHRASE = "xprotect-certs-test-passphrase";

/** Result of an engine operation. */
export interface OpResult {
  /** Resource operation counts, e.g. `{ create: 3 }` or `{ same: 3 }`. */
  changeSummary: OpMap;
  /** The engine's printed progress and summary. */
  stdout: string;
}

/** Options of {@link tempSite}. */
export interface TempSiteOptions {
  stackName?: string;
  program: () => Promise<Record<string, unknown> | void>;
  /** Stack configuration; keys without a namespace get "xprotect-certs:". */
  config?: Record<string, { value: string; secret?: boolean }>;
  /**
   * A stack file to start from, e.g. `stacks/Pulumi.example.yaml` (relative to the repo root): its `config` is
   * copied into the temp stack's file before the stack is created (its encryption salt is not: values already
   * encrypted for another stack cannot be read). `config` is applied on top.
   */
  stackConfigFile?: string;
  /** Variables for the engine and the dynamic-provider process. */
  env?: Record<string, string>;
  /** Stream the engine's output to this function (default: only when XPROTECT_ENGINE_VERBOSE=1). */
  onOutput?: (s: string) => void;
}

/** A stack on a fresh temp backend; see {@link tempSite}. */
export interface TempSite {
  stack: Stack;
  stackName: string;
  /** The file backend (fresh per site). */
  backendDir: string;
  /** Where the engine runs: Pulumi.yaml, the stack config file, and links to the repo's node_modules and dist. */
  workDir: string;
  /** Wall time of each operation, in order. */
  timings: Array<{ step: string; ms: number }>;
  up(): Promise<OpResult & { outputs: Record<string, unknown> }>;
  preview(): Promise<OpResult>;
  refresh(): Promise<OpResult>;
  destroy(): Promise<OpResult>;
  /** Stack outputs as plain values (secrets in plaintext). */
  outputs(): Promise<Record<string, unknown>>;
  /**
   * The state checkpoint as stored (`pulumi stack export`): secrets stay ciphertext unless `showSecrets`.
   * (The Automation API's own `stack.exportStack()` always decrypts them.)
   */
  exportState(opts?: { showSecrets?: boolean }): Promise<Deployment>;
  /** Runs the raw CLI (e.g. `["state", "unprotect", urn, "--yes", "--stack", stackName]`) with the site's
   * backend, passphrase and env in its work folder; resolves to stdout, rejects with stderr. */
  cli(args: string[]): Promise<string>;
  /**
   * Runs `npm run <command>` as a user would (node dist/scripts/engine/cli.js in its own process) on this stack,
   * backend and work folder. For operations expected to fail: inside jest an inline program whose engine
   * operation fails part-way never returns, while the same operation in its own process does.
   */
  npmRun(command: "up" | "preview" | "refresh" | "destroy"): Promise<{ code: number; output: string }>;
  /** Sets (or, with `undefined`, removes) variables for the engine and dynamic provider of later operations. */
  setEnv(vars: Record<string, string | undefined>): void;
  /** Sets configuration values (secrets are encrypted with the stack's passphrase). */
  setConfig(
    config: Record<string, { value: string; secret?: boolean }>,
    opts?: { path?: boolean },
  ): Promise<void>;
  /** Deletes the backend and work folders (does not destroy resources: call destroy() first if needed). */
  cleanup(): Promise<void>;
}

/**
 * Lays out `workDir` like the repo root for the engine: a Pulumi.yaml with the repo's `name` and `main` (the
 * engine requires `main` to exist even for an inline program, and starts the dynamic-provider process in the
 * folder of `main`, e.g. dist/stacks), and links to the repo's `node_modules` and `dist`. So the provider
 * process resolves `@pulumi/pulumi`, serialized providers' modules and cwd-relative paths as it does under
 * `npm run up`. Only `stackConfigDir` is left out: the stack's config file stays in the temp folder.
 */
function prepareWorkDir(workDir: string): void {
  const root = repoRoot();
  const projectFile = path.join(root, "Pulumi.yaml");
  const project = fs.existsSync(projectFile)
    ? (YAML.parse(fs.readFileSync(projectFile, "utf8")) as unknown)
    : {};
  const main = (project as { main?: unknown }).main;
  if (typeof main === "string" && !fs.existsSync(path.join(root, main))) {
    throw new Error(
      `${main} (Pulumi.yaml main) does not exist: run \`npm run build\` first (npm test does).`,
    );
  }
  const settings = { name: PROJECT_NAME, runtime: "nodejs", ...(typeof main === "string" ? { main } : {}) };
  fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), YAML.stringify(settings));
  for (const dir of ["node_modules", "dist"]) {
    if (fs.existsSync(path.join(root, dir))) {
      fs.symlinkSync(path.join(root, dir), path.join(workDir, dir), "junction");
    }
  }
}

/** The real `process`: jest gives test files a sandboxed copy, whose event listeners Node never calls. */
const realProcess = vm.runInThisContext("process") as NodeJS.Process;
/** Errors thrown by programs of sites, which the SDK re-rejects through promises nobody awaits. */
const programErrors = new WeakSet<object>();
let quietDepth = 0;
let savedListeners: Array<(...args: unknown[]) => void> = [];
const quietHandler = (reason: unknown, promise: unknown): void => {
  if (typeof reason === "object" && reason !== null && programErrors.has(reason)) return;
  for (const l of savedListeners) l.call(realProcess, reason, promise);
};

/** Records what `program` throws (and rethrows it, so that the engine fails the operation as in production). */
function recordingErrors(program: TempSiteOptions["program"]): TempSiteOptions["program"] {
  return async () => {
    try {
      return await program();
    } catch (e) {
      if (typeof e === "object" && e !== null) programErrors.add(e);
      throw e;
    }
  };
}

/**
 * Runs an engine operation while unhandled rejections of a site program's own error are ignored. The
 * Automation API catches those with `process.on("unhandledRejection")`, which inside jest lands on the sandboxed
 * `process`: without this, a program that throws would fail the running test even when the test expects the
 * operation to fail. Other unhandled rejections still reach jest's handler.
 */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  if (quietDepth++ === 0) {
    savedListeners = realProcess.listeners("unhandledRejection") as Array<(...args: unknown[]) => void>;
    realProcess.removeAllListeners("unhandledRejection");
    realProcess.on("unhandledRejection", quietHandler);
  }
  try {
    return await fn();
  } finally {
    await new Promise((resolve) => setImmediate(resolve)); // let the last rejections surface first
    if (--quietDepth === 0) {
      realProcess.off("unhandledRejection", quietHandler);
      for (const l of savedListeners) realProcess.on("unhandledRejection", l);
    }
  }
}

/**
 * Creates a stack of project "xprotect-certs" on a fresh temp file backend with the fixed {@link TEST_PASSPHRASE}.
 *
 * The engine runs in a temp work folder laid out like the repo root (see {@link prepareWorkDir}) rather than
 * the repo root itself, so that the stack's config file does not land in the repo's `stacks/`.
 */
export async function tempSite(opts: TempSiteOptions): Promise<TempSite> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "xprotect-site-"));
  try {
    return await createSite(base, opts);
  } catch (e) {
    fs.rmSync(base, { recursive: true, force: true });
    throw e;
  }
}

async function createSite(base: string, opts: TempSiteOptions): Promise<TempSite> {
  const backendDir = path.join(base, "state");
  const workDir = path.join(base, "work");
  fs.mkdirSync(backendDir);
  fs.mkdirSync(workDir);
  prepareWorkDir(workDir);

  const stackName = opts.stackName ?? "test";
  if (opts.stackConfigFile) {
    const from = YAML.parse(
      fs.readFileSync(path.resolve(repoRoot(), opts.stackConfigFile), "utf8"),
    ) as unknown;
    const config = (from as { config?: unknown } | null)?.config ?? {};
    fs.writeFileSync(path.join(workDir, `Pulumi.${stackName}.yaml`), YAML.stringify({ config }));
  }
  const verbose = process.env.XPROTECT_ENGINE_VERBOSE === "1";
  const onOutput = opts.onOutput ?? (verbose ? (s: string) => process.stdout.write(s) : undefined);
  const timings: TempSite["timings"] = [];
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await quietly(fn);
    } finally {
      timings.push({ step, ms: Date.now() - t0 });
    }
  };

  const stack = await timed("open", () =>
    openStack({
      stackName,
      program: recordingErrors(opts.program),
      workDir,
      backendUrl: pathToFileURL(backendDir).href,
      env: { PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE, ...opts.env },
      log: () => undefined,
    }),
  );
  const envVars = stack.workspace.envVars as Record<string, string>;
  const runCli = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const env = { ...process.env, ...envVars };
      const opts = { cwd: workDir, env, maxBuffer: 256 * 1024 * 1024 };
      execFile(stack.workspace.pulumiCommand.command, args, opts, (err, stdout, stderr) =>
        err
          ? reject(new Error(`pulumi ${args.join(" ")} failed: ${err.message}\n${stderr}`))
          : resolve(stdout),
      );
    });
  const plain = async (): Promise<Record<string, unknown>> =>
    Object.fromEntries(Object.entries(await stack.outputs()).map(([k, o]) => [k, o.value]));

  const site: TempSite = {
    stack,
    stackName,
    backendDir,
    workDir,
    timings,
    up: () =>
      timed("up", async () => {
        const r = await stack.up({ onOutput, color: "never" });
        const outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, o]) => [k, o.value]));
        return { changeSummary: r.summary.resourceChanges ?? {}, stdout: r.stdout, outputs };
      }),
    preview: () =>
      timed("preview", async () => {
        const r = await stack.preview({ onOutput, color: "never" });
        return { changeSummary: r.changeSummary, stdout: r.stdout };
      }),
    refresh: () =>
      timed("refresh", async () => {
        const r = await stack.refresh({ onOutput, color: "never" });
        return { changeSummary: r.summary.resourceChanges ?? {}, stdout: r.stdout };
      }),
    destroy: () =>
      timed("destroy", async () => {
        const r = await stack.destroy({ onOutput, color: "never" });
        return { changeSummary: r.summary.resourceChanges ?? {}, stdout: r.stdout };
      }),
    outputs: () => timed("outputs", plain),
    cli: (args) => timed(`cli ${args[0] ?? ""}`.trim(), () => runCli(args)),
    npmRun: (command) =>
      timed(`npm run ${command}`, async () => {
        const script = path.join(repoRoot(), "dist", "scripts", "engine", "cli.js");
        const env = {
          ...process.env,
          PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
          ...envVars, // a site made with its own passphrase (an imported fixture) keeps it
          PULUMI_BACKEND_URL: pathToFileURL(backendDir).href,
          XPROTECT_CERTS_WORKDIR: workDir,
        };
        return new Promise((resolve) =>
          execFile(
            process.execPath,
            [script, command, "--stack", stackName],
            { env, maxBuffer: 64 << 20 },
            (err, stdout, stderr) =>
              resolve({
                code: err ? (typeof err.code === "number" ? err.code : 1) : 0,
                output: `${stdout}${stderr}`,
              }),
          ),
        );
      }),
    exportState: (o) =>
      timed("exportState", async () => {
        const args = ["stack", "export", "--stack", stackName, ...(o?.showSecrets ? ["--show-secrets"] : [])];
        return JSON.parse(await runCli(args)) as Deployment;
      }),
    setEnv(vars) {
      for (const [k, v] of Object.entries(vars)) {
        if (v === undefined) delete envVars[k];
        else envVars[k] = v;
      }
    },
    setConfig: (config, o) => timed("setConfig", () => stack.setAllConfig(config, o?.path)),
    async cleanup() {
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
  if (opts.config) await site.setConfig(opts.config);
  return site;
}

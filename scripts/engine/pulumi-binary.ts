/**
 * Locates (or builds) the Pulumi CLI that drives the engine.
 *
 * Order: `$PULUMI_CLI` (explicit path) > `pulumi` on PATH (any 3.x) > a cached build of the pinned version >
 * `go build` of the pinned version from tools/pulumi-cli (a few minutes, once per machine).
 */
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The Pulumi CLI version pinned by tools/pulumi-cli/go.mod (and by the @pulumi/pulumi SDK in package.json). */
export const PULUMI_CLI_VERSION = "3.248.0";

/** A usable Pulumi CLI. */
export interface PulumiCli {
  /** Absolute path of the executable. */
  path: string;
  /** Version as printed by `pulumi version`, without the leading "v". */
  version: string;
  /** Where it came from: `$PULUMI_CLI`, PATH, the cache, or built just now. */
  source: "env" | "path" | "cache" | "built";
  /**
   * A folder such that `<root>/bin/pulumi` is this executable: the layout `PulumiCommand.get({ root })` of the
   * Automation API expects. For binaries not already laid out that way, it is a folder of symlinks in the cache.
   */
  root: string;
}

type Log = (s: string) => void;

const INSTALL_HELP =
  `The Pulumi CLI was not found, and Go is not installed to build it.\n` +
  `Either install the Pulumi CLI (any 3.x, v${PULUMI_CLI_VERSION} recommended) so that \`pulumi\` is on PATH: ` +
  `https://www.pulumi.com/docs/install/\n` +
  `or install Go >= 1.25 (https://go.dev/dl/): the pinned CLI is then built from tools/pulumi-cli on first use ` +
  `(about 3-5 minutes, once per machine),\n` +
  `or set PULUMI_CLI to the path of a pulumi executable.`;

const exeName = process.platform === "win32" ? "pulumi.exe" : "pulumi";

/** `$XDG_CACHE_HOME/xprotect-certs` (or `~/.cache/xprotect-certs`). */
export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "xprotect-certs");
}

/** The install root of the cached build of the pinned CLI; the binary is `<root>/bin/pulumi`. */
export function pinnedCliRoot(): string {
  return path.join(cacheDir(), `pulumi-v${PULUMI_CLI_VERSION}`);
}

/** Runs `<exe> version`; returns the version without "v", or undefined if it does not run. */
function probeVersion(exe: string): string | undefined {
  const r = spawnSync(exe, ["version"], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  if (r.status !== 0 || !r.stdout) return undefined;
  const m = /v?(\d+\.\d+\.\d+\S*)/.exec(r.stdout.trim());
  return m?.[1];
}

function isExecutableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function findOnPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && isExecutableFile(path.join(dir, exeName))) return path.join(dir, exeName);
  }
  return undefined;
}

/**
 * Returns a root such that `<root>/bin/pulumi` runs `exe` (symlinks resolved, so that the engine's bundled plugins
 * next to the real binary are found), creating a folder with a symlink in the cache if needed.
 */
function rootFor(exe: string): string {
  const abs = fs.realpathSync(exe);
  if (path.basename(abs) === exeName && path.basename(path.dirname(abs)) === "bin") {
    return path.dirname(path.dirname(abs));
  }
  const hash = crypto.createHash("sha256").update(abs).digest("hex").slice(0, 16);
  const root = path.join(cacheDir(), "cli-roots", hash);
  const link = path.join(root, "bin", exeName);
  symlinkIfMissing(abs, link);
  return root;
}

/** Creates `link` -> `target` unless `link` exists (tolerating a concurrent creator). */
function symlinkIfMissing(target: string, link: string): void {
  fs.mkdirSync(path.dirname(link), { recursive: true });
  try {
    fs.symlinkSync(target, link);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
}

function fromExe(exe: string, source: PulumiCli["source"], version: string): PulumiCli {
  return { path: path.resolve(exe), version, source, root: rootFor(exe) };
}

/** The cached build, if present and of the pinned version. */
function findCached(): PulumiCli | undefined {
  const root = pinnedCliRoot();
  const exe = path.join(root, "bin", exeName);
  adoptLegacyBuild(root, exe);
  if (!isExecutableFile(exe)) return undefined;
  const version = probeVersion(exe);
  if (version !== PULUMI_CLI_VERSION) return undefined;
  installPluginShim(path.dirname(exe));
  return { path: exe, version, source: "cache", root };
}

/** Moves a binary built at the former location `<root>/pulumi` to `<root>/bin/pulumi`, leaving a symlink. */
function adoptLegacyBuild(root: string, exe: string): void {
  const legacy = path.join(root, exeName);
  if (fs.existsSync(exe) || !isExecutableFile(legacy) || fs.lstatSync(legacy).isSymbolicLink()) return;
  fs.mkdirSync(path.dirname(exe), { recursive: true });
  fs.renameSync(legacy, exe);
  symlinkIfMissing(path.join("bin", exeName), legacy);
}

/**
 * Copies the dynamic-provider plugin shim (`pulumi-resource-pulumi-nodejs` from @pulumi/pulumi) next to our
 * own CLI build. The engine treats this plugin as "bundled" and warns "using ... from $PATH" on every run when
 * it is found anywhere else; the shim resolves @pulumi/pulumi from the engine's working directory, so the
 * copy behaves exactly like the original.
 */
function installPluginShim(binDir: string): void {
  const pkgDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  const base = "pulumi-resource-pulumi-nodejs";
  for (const name of process.platform === "win32" ? [base, base + ".cmd"] : [base]) {
    const src = path.join(pkgDir, name);
    const dest = path.join(binDir, name);
    if (!fs.existsSync(src)) continue;
    const content = fs.readFileSync(src);
    if (fs.existsSync(dest) && fs.readFileSync(dest).equals(content)) continue;
    const tmp = `${dest}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, content, { mode: 0o755 });
    fs.renameSync(tmp, dest);
  }
}

function goAvailable(): boolean {
  const r = spawnSync("go", ["version"], { encoding: "utf8", timeout: 30_000 });
  return r.status === 0;
}

/** Finds the folder holding tools/pulumi-cli, walking up from this file (works from the .ts and the dist .js). */
function toolsDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "tools", "pulumi-cli");
    if (fs.existsSync(path.join(candidate, "go.mod"))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`tools/pulumi-cli/go.mod not found above ${__dirname}`);
  }
}

/**
 * Builds the pinned CLI with Go into `<cache>/pulumi-v<version>/bin/pulumi`. Go's package list (`-v`) is
 * summarised every 20 s rather than streamed; on failure the tail of Go's output is in the error.
 */
async function buildWithGo(log: Log): Promise<PulumiCli> {
  const root = pinnedCliRoot();
  const exe = path.join(root, "bin", exeName);
  const tmp = `${exe}.tmp-${process.pid}`;
  fs.mkdirSync(path.dirname(exe), { recursive: true });
  const args = [
    "build",
    "-v",
    "-ldflags",
    `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_CLI_VERSION}`,
    "-o",
    tmp,
    "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
  ];
  log(
    `Building the Pulumi CLI v${PULUMI_CLI_VERSION} with Go (tools/pulumi-cli) into ${exe}.\n` +
      `This takes about 3-5 minutes the first time (downloads modules from the Go module proxy, compiles ~1600 packages).`,
  );
  const started = Date.now();
  let packages = 0;
  let tail: string[] = [];
  // go.sum is complete, so the checksum database (unreachable from some networks) is never needed.
  const child = spawn("go", args, {
    cwd: toolsDir(),
    env: { ...process.env, GOSUMDB: "off" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const onData = (buf: Buffer): void => {
    for (const line of buf.toString().split("\n")) {
      if (!line.trim()) continue;
      if (/^[\w.-]+(\/[\w.~+-]+)*$/.test(line.trim())) packages++;
      tail = [...tail.slice(-39), line];
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const timer = setInterval(() => {
    const s = Math.round((Date.now() - started) / 1000);
    log(`  ... still building (${s} s, ${packages} packages compiled so far)`);
  }, 20_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  }).finally(() => clearInterval(timer));
  if (code !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`go build of the Pulumi CLI failed (exit ${code}):\n${tail.join("\n")}`);
  }
  fs.renameSync(tmp, exe);
  const version = probeVersion(exe);
  if (version !== PULUMI_CLI_VERSION) {
    throw new Error(`The Pulumi CLI built at ${exe} reports version ${version ?? "(none)"}`);
  }
  installPluginShim(path.dirname(exe));
  log(`Built the Pulumi CLI v${version} in ${Math.round((Date.now() - started) / 1000)} s: ${exe}`);
  return { path: exe, version, source: "built", root };
}

/** Serialises builds across processes (e.g. parallel jest workers) with a lock folder next to the binary. */
async function withBuildLock<T>(log: Log, fn: () => Promise<T>, cached: () => T | undefined): Promise<T> {
  const lock = path.join(pinnedCliRoot(), "build.lock");
  fs.mkdirSync(pinnedCliRoot(), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // The lock of a build that died (interrupted, or older than 20 minutes) is taken over.
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 20 * 60_000 || !lockHolderAlive(lock)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) log(`Another process is building the Pulumi CLI (${lock}); waiting for it.`);
      announced = true;
      await new Promise((r) => setTimeout(r, 2000));
      const done = cached();
      if (done) return done;
    }
  }
  try {
    return cached() ?? (await fn());
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** False only when the lock names a process that no longer exists (on this machine). */
function lockHolderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(lock, "pid"), "utf8"));
  } catch {
    return true; // being created, or gone already
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

let memo: Promise<PulumiCli> | undefined;

/**
 * Makes the Pulumi CLI available and returns where it is.
 *
 * `$PULUMI_CLI` (must run) > `pulumi` on PATH if it is 3.x > the cached pinned build under
 * `$XDG_CACHE_HOME|~/.cache/xprotect-certs/pulumi-v3.248.0/bin/` > a fresh `go build` of the pinned version.
 * Throws an Error explaining how to install Pulumi or Go when none of these is possible.
 * The result is memoised for the process.
 */
export function ensurePulumiCli(opts?: { log?: Log }): Promise<PulumiCli> {
  memo ??= locate(opts?.log ?? ((s) => process.stderr.write(s + "\n"))).catch((e: unknown) => {
    memo = undefined;
    throw e;
  });
  return memo;
}

async function locate(log: Log): Promise<PulumiCli> {
  const explicit = process.env.PULUMI_CLI;
  if (explicit) {
    const version = probeVersion(explicit);
    if (!version) throw new Error(`PULUMI_CLI=${explicit} does not run (\`${explicit} version\` failed).`);
    return fromExe(explicit, "env", version);
  }
  const onPath = findOnPath();
  if (onPath) {
    const version = probeVersion(onPath);
    if (version?.startsWith("3.")) return fromExe(onPath, "path", version);
    log(`Ignoring ${onPath}: version ${version ?? "unknown"} is not 3.x.`);
  }
  const cached = findCached();
  if (cached) return cached;
  if (!goAvailable()) throw new Error(INSTALL_HELP);
  return withBuildLock(log, () => buildWithGo(log), findCached);
}

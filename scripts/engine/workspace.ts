/**
 * Opens stacks on the real Pulumi engine through the Automation API, with this repository's settings:
 * a local file backend, the passphrase secrets provider, and the dynamic-provider plugin on PATH.
 */
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileURLToPath, pathToFileURL } from "url";
import { ensurePassphraseFile } from "./passphrase";
import { ensurePulumiCli, PulumiCli } from "./pulumi-binary";

/** The Pulumi project name (Pulumi.yaml `name`). */
export const PROJECT_NAME = "xprotect-certs";

type Log = (s: string) => void;
const defaultLog: Log = (s) => process.stderr.write(s + "\n");

function isProjectRoot(dir: string): boolean {
  const pkg = path.join(dir, "package.json");
  return (
    fs.existsSync(pkg) &&
    (JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name === PROJECT_NAME
  );
}

/** The repository root: the nearest folder above this file whose package.json is named "xprotect-certs". */
export function repoRoot(): string {
  let dir = __dirname;
  while (!isProjectRoot(dir)) {
    if (path.dirname(dir) === dir) {
      throw new Error(`package.json of ${PROJECT_NAME} not found above ${__dirname}`);
    }
    dir = path.dirname(dir);
  }
  return dir;
}

/**
 * The folder holding `pulumi-resource-pulumi-nodejs`, the plugin the engine starts for dynamic resources
 * (it ships in the @pulumi/pulumi package). It must be on the engine's PATH.
 */
export function dynamicProviderPluginDir(): string {
  return path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [repoRoot()] }));
}

/** Options shared by {@link engineEnv}, {@link openStack} and {@link pulumiCliEnv}. */
export interface EngineEnvOptions {
  /** Backend URL; default `$PULUMI_BACKEND_URL`, else `file://<repo>/.pulumi-state`. */
  backendUrl?: string;
  /** Extra variables for the engine (and hence the dynamic-provider process); they win over the defaults. */
  env?: Record<string, string>;
  /** Progress messages (default: stderr). */
  log?: Log;
}

/**
 * The variables every engine call needs, on top of the inherited environment: PATH with the dynamic-provider
 * plugin folder first (the Automation API puts the CLI's own folder before it), `PULUMI_BACKEND_URL` (the folder
 * of a `file://` backend is created), the passphrase (`PULUMI_CONFIG_PASSPHRASE` or `..._FILE` when given, else
 * `PULUMI_CONFIG_PASSPHRASE_FILE` = a generated `passphrase.txt`, mode 0600, beside the state folder, never inside
 * it: scripts/engine/passphrase.ts) and
 * `PULUMI_SKIP_UPDATE_CHECK`. `opts.env` is merged last. A passphrase from the environment is inherited, not copied.
 *
 * `PULUMI_SKIP_CHECKPOINTS` defaults to true: the engine then writes the state once, at the end of an operation
 * (a failed one included), instead of rewriting all of it after every step, which at 200 servers tripled the
 * time of a first `up` (README, Performance). It is safe here because these resources exist only in the state:
 * an operation killed part-way loses that run's work, which the next `up` redoes; nothing is left behind to
 * track. Set it to false to keep Pulumi's per-step checkpoints.
 */
export function engineEnv(opts: EngineEnvOptions = {}): Record<string, string> {
  const log = opts.log ?? defaultLog;
  const given = { ...process.env, ...opts.env };
  const defaultStateDir = path.join(repoRoot(), ".pulumi-state");
  const backendUrl = opts.backendUrl ?? process.env.PULUMI_BACKEND_URL ?? pathToFileURL(defaultStateDir).href;
  const localDir = localBackendDir(backendUrl);
  if (localDir) fs.mkdirSync(localDir, { recursive: true });
  const stateDir = localDir ?? defaultStateDir;

  const env: Record<string, string> = {
    PATH: [dynamicProviderPluginDir(), given.PATH ?? ""].join(path.delimiter),
    PULUMI_BACKEND_URL: backendUrl,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  if (given.PULUMI_SKIP_CHECKPOINTS === undefined) env.PULUMI_SKIP_CHECKPOINTS = "true";
  if (given.PULUMI_CONFIG_PASSPHRASE === undefined && !given.PULUMI_CONFIG_PASSPHRASE_FILE) {
    env.PULUMI_CONFIG_PASSPHRASE_FILE = ensurePassphraseFile(stateDir, log);
  }
  return { ...env, ...opts.env };
}

/** The folder of a `file://` backend URL (`file://~/x` and relative paths as the CLI reads them), else undefined. */
function localBackendDir(url: string): string | undefined {
  if (!url.startsWith("file://")) return undefined;
  const rest = url.slice("file://".length);
  if (rest === "~" || rest.startsWith("~/")) return path.join(os.homedir(), rest.slice(1));
  try {
    return fileURLToPath(url);
  } catch {
    return path.resolve(repoRoot(), decodeURIComponent(rest));
  }
}

const commands = new Map<string, Promise<PulumiCommand>>();

/** The Automation API's handle on a CLI (it runs `<root>/bin/pulumi`); memoised per root. */
function pulumiCommand(cli: PulumiCli): Promise<PulumiCommand> {
  let cmd = commands.get(cli.root);
  if (!cmd) {
    cmd = PulumiCommand.get({ root: cli.root });
    cmd.catch(() => commands.delete(cli.root));
    commands.set(cli.root, cmd);
  }
  return cmd;
}

/** Options of {@link openStack}. */
export interface OpenStackOptions extends EngineEnvOptions {
  stackName: string;
  /** The inline program; it runs in this process. */
  program: () => Promise<Record<string, unknown> | void>;
  /** Folder holding the Pulumi.yaml the engine runs with (default: the repo root). */
  workDir?: string;
}

/**
 * Creates or selects `stackName` of project "xprotect-certs" with an inline program, on the local file backend
 * (see {@link engineEnv}) with the passphrase secrets provider. The engine runs in `workDir` (default: the repo
 * root) and starts the dynamic-provider process in the folder of Pulumi.yaml's `main` (here dist/stacks; `main`
 * must exist even for an inline program): `@pulumi/pulumi` and the modules that serialized providers require
 * are resolved from there.
 */
export async function openStack(opts: OpenStackOptions): Promise<Stack> {
  const workDir = opts.workDir ?? repoRoot();
  // Without a Pulumi.yaml the Automation API would write a default one into workDir.
  if (!["yaml", "yml", "json"].some((ext) => fs.existsSync(path.join(workDir, `Pulumi.${ext}`)))) {
    throw new Error(`No Pulumi.yaml in ${workDir}: the project file is needed to run the engine there.`);
  }
  const cli = await ensurePulumiCli({ log: opts.log });
  return LocalWorkspace.createOrSelectStack(
    { stackName: opts.stackName, projectName: PROJECT_NAME, program: opts.program },
    {
      workDir,
      pulumiCommand: await pulumiCommand(cli),
      secretsProvider: "passphrase",
      envVars: engineEnv(opts),
    },
  );
}

/**
 * The CLI and the full environment (inherited + {@link engineEnv} + the CLI's folder on PATH) to run the raw
 * `pulumi` command with the same backend, passphrase and plugins as {@link openStack}.
 */
export async function pulumiCliEnv(
  opts: EngineEnvOptions = {},
): Promise<{ cli: PulumiCli; env: NodeJS.ProcessEnv }> {
  const cli = await ensurePulumiCli({ log: opts.log });
  const env = engineEnv(opts);
  env.PATH = [path.dirname(cli.path), env.PATH].join(path.delimiter);
  return { cli, env: { ...process.env, ...env } };
}

/**
 * The Pulumi project the commands (bundle, renewals) read a stack from, and how they run the Pulumi CLI there.
 *
 * - This repository (`npm run bundle`, `npm run renewals`): the repository's Pulumi.yaml (or XPROTECT_CERTS_WORKDIR),
 *   with `npm run up`'s backend and passphrase set-up (scripts/engine/workspace.ts).
 * - A user's own project (`npx xprotect-certs bundle|renewals`, the package's bin): the nearest Pulumi.yaml at or
 *   above the current folder, and the backend and passphrase exactly as the user's own `pulumi` finds them
 *   (PULUMI_BACKEND_URL, Pulumi.yaml's `backend.url`, `pulumi login`; PULUMI_CONFIG_PASSPHRASE or _FILE): nothing
 *   is defaulted, and no file is written into the installed package.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ensurePulumiCli, PulumiCli } from "./pulumi-binary";

export interface Project {
  /** The folder of the Pulumi.yaml the CLI runs in. */
  workDir: string;
  /** The folder the bundle must not be written into unchecked (no git to ask): the repository or the project. */
  root: string;
  /** The Pulumi CLI and the environment to run it with in {@link workDir}. */
  cliEnv(): Promise<{ cli: PulumiCli; env: NodeJS.ProcessEnv }>;
  /** How the messages name the Pulumi CLI: `npm run pulumi --` here, `pulumi` in a user's project. */
  pulumi: string;
}

const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.yml"];

const hasProjectFile = (dir: string) => PROJECT_FILES.some((f) => fs.existsSync(path.join(dir, f)));

/** This repository's project: XPROTECT_CERTS_WORKDIR (as `npm run up` honours it) or the repository root. */
export async function repositoryProject(env: NodeJS.ProcessEnv = process.env): Promise<Project> {
  const { pulumiCliEnv, repoRoot } = await import("./workspace");
  const root = repoRoot();
  return {
    workDir: env.XPROTECT_CERTS_WORKDIR || root,
    root,
    cliEnv: () => pulumiCliEnv(),
    pulumi: "npm run pulumi --",
  };
}

/**
 * A user's project: XPROTECT_CERTS_WORKDIR, else the nearest folder at or above `cwd` holding a Pulumi.yaml.
 * Throws, naming the folder searched and the fix, when there is none.
 */
export function userProject(cwd: string, env: NodeJS.ProcessEnv = process.env): Project {
  let workDir: string | undefined = env.XPROTECT_CERTS_WORKDIR || undefined;
  if (!workDir) {
    for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
      if (hasProjectFile(dir)) {
        workDir = dir;
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  if (!workDir) {
    throw new Error(
      `no Pulumi.yaml in ${path.resolve(cwd)} or any folder above it: run this in your Pulumi project's folder ` +
        "(or set XPROTECT_CERTS_WORKDIR to it)",
    );
  }
  const dir = workDir;
  return {
    workDir: dir,
    root: dir,
    cliEnv: async () => {
      const cli = await ensurePulumiCli();
      const inherited = { ...env };
      return {
        cli,
        env: {
          ...inherited,
          PATH: [path.dirname(cli.path), inherited.PATH ?? ""].join(path.delimiter),
          PULUMI_SKIP_UPDATE_CHECK: inherited.PULUMI_SKIP_UPDATE_CHECK ?? "true",
        },
      };
    },
    pulumi: "pulumi",
  };
}

/**
 * Plain `pulumi` as a user runs it: Pulumi's own CLI and its Node.js language host (`pulumi-language-nodejs`) on
 * PATH, no Automation API. Used by the plain-up and user-project suites.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensurePulumiCli } from "../../scripts/engine/pulumi-binary";

const HOST = "pulumi-language-nodejs";

/** Where `./build` of ../shared/tools/pulumi-language-nodejs puts the host when given no folder. */
const buildDefault = () =>
  path.join(
    process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"),
    "pulumi-language-nodejs-v3.248.0/bin",
  );

/**
 * The language host's folder: on PATH, beside the Pulumi CLI (Pulumi's distribution ships it there), or where
 * its build script puts it by default. Throws, saying what is needed, when there is none.
 */
export function findLanguageHost(cliPath: string): string {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), path.dirname(cliPath), buildDefault()];
  const found = dirs.find((d) => d && fs.existsSync(path.join(d, HOST)));
  if (found) return found;
  throw new Error(
    `${HOST} (Pulumi's Node.js language host) was not found on PATH, beside ${cliPath}, or in ${buildDefault()}.\n` +
      `These tests run a plain \`pulumi up\` as a user does, which needs it. Either install the Pulumi CLI from ` +
      `https://www.pulumi.com/docs/install/ (it ships the host beside \`pulumi\`), or build it: ` +
      `../shared/tools/pulumi-language-nodejs/build prints the folder to put on PATH (.ci/run does this).`,
  );
}

export interface PlainPulumi {
  /** Runs `pulumi args...` in cwd; resolves with stdout + stderr, rejects with them on a non-zero exit. */
  run(args: string[], cwd: string, env?: Record<string, string>): Promise<string>;
  /** The variables every run gets (PATH with the CLI and host, backend, passphrase). */
  env: Record<string, string>;
}

/** The CLI and host on PATH, a file backend in `backendDir`, the given passphrase. */
export async function plainPulumi(backendDir: string, passphrase: string): Promise<PlainPulumi> {
  const cli = await ensurePulumiCli({ log: () => undefined });
  const host = findLanguageHost(cli.path);
  const env: Record<string, string> = {
    PATH: [path.dirname(cli.path), host, process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  const run = (args: string[], cwd: string, extra: Record<string, string> = {}) =>
    new Promise<string>((resolve, reject) => {
      const all = { ...process.env, ...env, ...extra };
      delete all.PULUMI_CONFIG_PASSPHRASE_FILE;
      execFile(cli.path, args, { cwd, env: all, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
        err
          ? reject(
              new Error(`pulumi ${args.join(" ")} failed in ${cwd}: ${err.message}\n${stdout}\n${stderr}`),
            )
          : resolve(`${stdout}${stderr}`),
      );
    });
  return { run, env };
}

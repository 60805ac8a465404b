/**
 * Reads a stack's outputs from its state with the same backend and passphrase set-up as `npm run up`
 * (scripts/engine/workspace.ts): `pulumi stack output --json`, secrets left hidden.
 *
 * Not `openStack`: its createOrSelectStack would create a stack (and write a stack file) for a mistyped name,
 * and the Automation API's `outputs()` decrypts every secret, which renewals has no use for.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Project } from "../engine/project";

/** Parameters of {@link readEngineOutputs}. */
export interface EngineOutputsParams {
  stack: string;
  /** The project (folder of the Pulumi.yaml to run in, and how to run the CLI there). */
  project: Project;
}

export type EngineOutputs = { ok: true; text: string } | { ok: false; reason: string };

export async function readEngineOutputs({ stack, project }: EngineOutputsParams): Promise<EngineOutputs> {
  const { workDir } = project;
  if (!["yaml", "yml"].some((ext) => fs.existsSync(path.join(workDir, `Pulumi.${ext}`)))) {
    return { ok: false, reason: `No Pulumi.yaml in ${workDir}: run in the project, or give --outputs FILE` };
  }
  const { cli, env } = await project.cliEnv();
  const args = ["stack", "output", "--json", "--non-interactive", "--stack", stack];
  return new Promise((resolve) =>
    execFile(cli.path, args, { cwd: workDir, env, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, text: stdout });
      const said = (stderr || err.message).trim().replace(/^error: /i, "");
      resolve({
        ok: false,
        reason:
          `reading the outputs of stack "${stack}" failed: ${said}\n` +
          `Check the stack name (${project.pulumi} stack ls), PULUMI_BACKEND_URL and the passphrase ` +
          "(PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE), or give --outputs FILE.",
      });
    }),
  );
}

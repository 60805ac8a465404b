#!/usr/bin/env node
/**
 * The package's command (package.json `bin`): `npx xprotect-certs bundle|renewals ...` in a user's own Pulumi
 * project folder, with the options of `npm run bundle` and `npm run renewals` (see each one's --help). The stack
 * is read from the nearest Pulumi.yaml at or above the current folder, with the backend and passphrase the user's
 * own `pulumi` uses (scripts/engine/project.ts). Exit codes: the command's own; 2 for an unknown command.
 */
import { userProject } from "../engine/project";

export const USAGE = `Usage: npx xprotect-certs <command> [options]

Run in your Pulumi project's folder (the nearest Pulumi.yaml at or above it is used, or XPROTECT_CERTS_WORKDIR),
with the backend and passphrase your own pulumi uses (PULUMI_BACKEND_URL or pulumi login;
PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE).

Commands:
  bundle     Per-server bundles for Install-XProtectCertificate.ps1 from a stack's outputs (bundle --help)
  renewals   The certificates and roots due for renewal (renewals --help)

The stack must export the XProtectSite's outputs as its own (README "Use it in your own Pulumi program").
`;

/** Runs the command line; returns the exit code. */
export async function main(argv: string[], cwd = process.cwd()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== "bundle" && command !== "renewals") {
    process.stderr.write(
      `xprotect-certs: unknown command ${JSON.stringify(command)}: use bundle or renewals\n`,
    );
    return 2;
  }
  const help = rest.includes("--help") || rest.includes("-h");
  let project;
  try {
    project = help ? undefined : userProject(cwd);
  } catch (e) {
    process.stderr.write(`${command}: ${(e as Error).message}\n`);
    return 2;
  }
  if (command === "bundle") return (await import("../bundle/cli")).main(rest, undefined, project);
  return (await import("../renewals/cli")).main(rest, {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    env: process.env,
    project,
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`xprotect-certs: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}

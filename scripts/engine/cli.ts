/**
 * Entry point: `node dist/scripts/engine/cli.js <command> [options]` (the npm scripts up, preview, refresh,
 * destroy, pulumi and ensure-cli call it). Runs the site program (dist/stacks/index.js `siteProgram`) on the
 * Pulumi engine through the Automation API; never prompts.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_STACK, OptionSpecs, readCommandLine, splitVerbatim } from "../common/args";
import { ensurePulumiCli } from "./pulumi-binary";
import { formatServerTable } from "./summary";
import { openStack, pulumiCliEnv, repoRoot } from "./workspace";

const USAGE = `Usage: node dist/scripts/engine/cli.js <command> [options]   (or: npm run <command> -- [options])

Commands:
  up           Create or update the site's certificates, then print a table of the servers (all outputs:
               npm run pulumi -- stack output --stack NAME)
  preview      Show what \`up\` would change
  refresh      Read back the managed resources and update the state
  destroy      Delete everything the stack manages
  pulumi ARGS  Run the Pulumi CLI with the same backend, passphrase and plugins, e.g.
               pulumi stack output --json --show-secrets --stack example
  ensure-cli   Find (or build, with Go) the Pulumi CLI and print where it is

Options of up, preview, refresh, destroy:
  --stack NAME, -s NAME  Stack to operate on (default: example; config: stacks/Pulumi.NAME.yaml)
  --diff                 Show property-level diffs
  --target URN           Operate on this resource only (repeatable)
  --expect-no-changes    Fail if anything would change (up, preview, refresh)
  --refresh              Refresh the state first (up, preview, destroy)
  --clear-pending-creates
                         refresh only: drop the creates an interrupted \`up\` left pending from the
                         state. Safe for this project's resources, which exist only in the state; the
                         next \`up\` issues them again (see README, "When something goes wrong")
  --yes, -y              Accepted and ignored: operations never prompt
  --help, -h             Show this help

Environment:
  PULUMI_BACKEND_URL     State backend (default: file://<repo>/.pulumi-state)
  PULUMI_CONFIG_PASSPHRASE, PULUMI_CONFIG_PASSPHRASE_FILE
                         Passphrase of the stack secrets (default: generated, beside the state folder,
                         in <state>.passphrase/passphrase.txt, e.g. .pulumi-state.passphrase/; back it up
                         apart from the state)
  PULUMI_CLI             Path of the pulumi executable to use
  PULUMI_SKIP_CHECKPOINTS
                         Default true here: the state is written once, when an operation ends (safe for
                         resources that live only in the state; much faster for large sites). false: Pulumi's
                         per-step checkpoints

After an interrupted up (killed, power lost), with no other up running:
  npm run pulumi -- cancel --yes --stack NAME         remove the stale lock
  npm run refresh -- --clear-pending-creates --stack NAME
  npm run up -- --stack NAME
`;

const OPERATIONS = ["up", "preview", "refresh", "destroy"] as const;
type Operation = (typeof OPERATIONS)[number];

/** Parsed command line. */
export interface CliArgs {
  command?: string;
  stack: string;
  help: boolean;
  diff: boolean;
  refresh: boolean;
  expectNoChanges: boolean;
  /** refresh only: drop pending creates left by an interrupted up. */
  clearPendingCreates: boolean;
  targets: string[];
  /** Arguments of the `pulumi` command, passed through verbatim. */
  rest: string[];
}

const OPTIONS: OptionSpecs = {
  help: { type: "boolean", short: "h" },
  stack: { type: "string", short: "s" },
  diff: { type: "boolean" },
  refresh: { type: "boolean" },
  "expect-no-changes": { type: "boolean" },
  "clear-pending-creates": { type: "boolean" },
  target: { type: "string", multiple: true },
  yes: { type: "boolean", short: "y" },
};

/**
 * Parses `argv` (without node and script). Everything after the command `pulumi` is passed through verbatim.
 * Throws an Error with a usage hint on unknown options.
 */
export function parseArgs(argv: string[]): CliArgs {
  const { own, verbatim } = splitVerbatim(argv, OPTIONS, "pulumi");
  const { values, positionals } = readCommandLine(own, OPTIONS);
  if (positionals.length > 1) throw new Error(`Unknown argument: ${positionals[1]} (see --help)`);
  const args: CliArgs = {
    command: positionals[0],
    stack: (values.stack as string | undefined) ?? DEFAULT_STACK,
    help: values.help === true,
    diff: values.diff === true,
    refresh: values.refresh === true,
    expectNoChanges: values["expect-no-changes"] === true,
    clearPendingCreates: values["clear-pending-creates"] === true,
    targets: (values.target as string[] | undefined) ?? [],
    rest: verbatim ?? [],
  };
  if (args.clearPendingCreates && args.command !== "refresh") {
    throw new Error("--clear-pending-creates goes with refresh: npm run refresh -- --clear-pending-creates");
  }
  return args;
}

type SiteProgram = () => Promise<Record<string, unknown>>;

/** Loads `siteProgram` from the compiled stacks module, only when an operation needs it. */
function loadSiteProgram(): SiteProgram {
  const file = path.join(repoRoot(), "dist", "stacks", "index.js");
  if (!fs.existsSync(file)) throw new Error(`${file} not found: run \`npm run build\` first.`);
  const mod = require(file) as { siteProgram?: unknown };
  if (typeof mod.siteProgram !== "function") {
    throw new Error(`${file} does not export a function siteProgram`);
  }
  return mod.siteProgram as SiteProgram;
}

async function runOperation(op: Operation, args: CliArgs): Promise<number> {
  // XPROTECT_CERTS_WORKDIR: run the engine in another folder laid out like this repo (the end-to-end tests do).
  const workDir = process.env.XPROTECT_CERTS_WORKDIR || undefined;
  const stack = await openStack({ stackName: args.stack, program: loadSiteProgram(), workDir });
  let streamed = false;
  const onOutput = (s: string): void => {
    streamed = true;
    process.stdout.write(s);
  };
  const onError = (s: string): void => {
    streamed = true;
    process.stderr.write(s);
  };
  const common = {
    onOutput,
    onError,
    diff: args.diff,
    target: args.targets.length ? args.targets : undefined,
  };
  // Ctrl-C reaches the pulumi process too, which cancels cleanly: stay alive until it has.
  const onSigint = (): void =>
    void process.stderr.write("\nInterrupted: waiting for the engine to stop...\n");
  process.on("SIGINT", onSigint);
  try {
    switch (op) {
      case "up": {
        // The engine's own list of outputs (every PEM and slot) is left out: the table below says what a user
        // needs; `npm run pulumi -- stack output` shows the rest.
        const r = await stack.up({
          ...common,
          refresh: args.refresh,
          expectNoChanges: args.expectNoChanges,
          suppressOutputs: true,
        });
        const outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, o]) => [k, o.value]));
        process.stdout.write(
          "\n" +
            formatServerTable(outputs) +
            `All outputs: npm run pulumi -- stack output --stack ${args.stack}\n`,
        );
        break;
      }
      case "preview":
        await stack.preview({ ...common, refresh: args.refresh, expectNoChanges: args.expectNoChanges });
        break;
      case "refresh":
        await stack.refresh({
          onOutput,
          onError,
          expectNoChanges: args.expectNoChanges,
          clearPendingCreates: args.clearPendingCreates || undefined,
          target: common.target,
        });
        break;
      case "destroy":
        await stack.destroy({ ...common, refresh: args.refresh });
        break;
    }
    return 0;
  } catch (e) {
    // The engine's own error is already in the streamed output; otherwise show the full message.
    process.stderr.write(streamed ? `\n${op} failed.\n` : `${op} failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

async function runRawPulumi(rest: string[]): Promise<number> {
  const { cli, env } = await pulumiCliEnv();
  // Standard input is passed through: `config set --secret KEY` reads the value from it (no secret in argv).
  const cwd = process.env.XPROTECT_CERTS_WORKDIR || repoRoot();
  const child = spawn(cli.path, rest, { cwd, env, stdio: "inherit" });
  // The child gets Ctrl-C from the terminal itself.
  const onSigint = (): void => undefined;
  process.on("SIGINT", onSigint);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve(code ?? 1));
    });
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/** Runs the command line; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  if (args.help || !args.command) {
    (args.help ? process.stdout : process.stderr).write(USAGE);
    return args.help ? 0 : 2;
  }
  try {
    if (args.command === "ensure-cli") {
      const cli = await ensurePulumiCli();
      process.stdout.write(`pulumi v${cli.version} (${cli.source}): ${cli.path}\n`);
      return 0;
    }
    if (args.command === "pulumi") return await runRawPulumi(args.rest);
    if ((OPERATIONS as readonly string[]).includes(args.command)) {
      return await runOperation(args.command as Operation, args);
    }
    process.stderr.write(`Unknown command: ${args.command} (see --help)\n`);
    return 2;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

/** The command line of `npm run renewals`. Pure. */
import { checkStackName, DEFAULT_STACK, OptionSpecs, readCommandLine } from "../common/args";

export const DEFAULT_WITHIN_DAYS = 30;

export const USAGE = `Usage: npm run renewals -- [--stack NAME] [options]
       (or: node dist/scripts/renewals/cli.js [--stack NAME] [options];
        in your own Pulumi project: npx xprotect-certs renewals [--stack NAME] [options])

Lists the server certificates of a stack that are due for renewal (renewalDue or notAfter within the window),
the CA if it expires within max(180, window) days, and the trusted root CAs with the stage of a root rotation
(none, staged, switched) and its next step. With --apply, bumps \`generation\` of each due server in the stack
file so that the next \`npm run up\` reissues exactly those (for sites with autoRenew: false), and, when the CA is
due and no rotation is under way, adds the stage step of a root rotation (\`nextCa\`, generation + 1) after
\`ca\`. The switch (\`issueFrom: nextCa\`) and the retire are never written: the report says what to write.

Options:
  --stack NAME, -s NAME  The stack (default: ${DEFAULT_STACK}, as npm run up; outputs from its state; stack
                         file stacks/Pulumi.NAME.yaml)
  --within DAYS          The window in days (default ${DEFAULT_WITHIN_DAYS}); 0 = only what is due or expired now
  --apply                Bump generation of each due server in the stack file, and add nextCa when the CA is
                         due (both idempotent until \`up\`)
  --pr-body FILE         Write a pull request title (first line) and markdown body to FILE
  --html FILE            Write a self-contained HTML calendar of every certificate to FILE
  --json                 Print the report as JSON instead of a table
  --metrics FILE         Write every expiry (Unix seconds) to FILE in the Prometheus text format, for
                         node_exporter's textfile collector: xprotect_certificate_not_after_timestamp_seconds,
                         xprotect_certificate_renewal_due_timestamp_seconds (labels server, role, hostname,
                         thumbprint), xprotect_ca_not_after_timestamp_seconds (labels thumbprint, status).
                         Written atomically (a temporary file in the same folder, then a rename)
  --outputs FILE         Read the outputs from FILE (\`pulumi stack output --json\`) instead of the state
  --config-file FILE     The stack file to edit with --apply (default: found as Pulumi does, from
                         Pulumi.yaml's stackConfigDir: stacks/Pulumi.NAME.yaml)
  --help, -h             Show this help

Exit codes: 0 nothing due; 10 something due (a server certificate, or the active root CA within 180 days;
with or without --apply); 2 error (bad arguments, unknown stack, no or malformed outputs, stack file that
cannot be edited: then nothing is written).

Environment:
  XPROTECT_CERTS_NOW     ISO 8601 time to use as now (e.g. 2027-06-01), as the provider does
  PULUMI_BACKEND_URL     State backend (default: file://<repo>/.pulumi-state; npx xprotect-certs: as your pulumi)
  PULUMI_CONFIG_PASSPHRASE, PULUMI_CONFIG_PASSPHRASE_FILE
                         Passphrase of the stack (needed to read its outputs from the state)
`;

/** Parsed command line. */
export interface RenewalsArgs {
  stack?: string;
  /** Whole days, >= 0. */
  withinDays: number;
  apply: boolean;
  prBody?: string;
  html?: string;
  json: boolean;
  metrics?: string;
  outputs?: string;
  configFile?: string;
  help: boolean;
}

const OPTIONS: OptionSpecs = {
  help: { type: "boolean", short: "h" },
  stack: { type: "string", short: "s" },
  within: { type: "string" },
  apply: { type: "boolean" },
  json: { type: "boolean" },
  "pr-body": { type: "string" },
  html: { type: "string" },
  metrics: { type: "string" },
  outputs: { type: "string" },
  "config-file": { type: "string" },
};

/** Parses `argv` (without node and script); throws an Error naming the argument and the fix. */
export function parseArgs(argv: string[]): RenewalsArgs {
  const { values, positionals } = readCommandLine(argv, OPTIONS);
  if (positionals.length > 0) throw new Error(`Unknown argument: ${positionals[0]} (see --help)`);
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const args: RenewalsArgs = {
    stack: text("stack"),
    withinDays: values.within === undefined ? DEFAULT_WITHIN_DAYS : days(text("within")!),
    apply: values.apply === true,
    prBody: text("pr-body"),
    html: text("html"),
    json: values.json === true,
    metrics: text("metrics"),
    outputs: text("outputs"),
    configFile: text("config-file"),
    help: values.help === true,
  };
  if (args.help) return args;
  if (args.stack !== undefined) checkStackName(args.stack);
  // Outputs from a file name no stack: --apply then edits the default stack's file unless --config-file says.
  if (args.stack === undefined && (!args.outputs || (args.apply && !args.configFile)))
    args.stack = DEFAULT_STACK;
  return args;
}

function days(v: string): number {
  if (!/^\d{1,5}$/.test(v)) {
    throw new Error(
      `--within "${v}" is not a whole number of days: use e.g. --within 30 (or 0 for what is due now)`,
    );
  }
  return Number(v);
}

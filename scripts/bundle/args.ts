/** The command line of `npm run bundle`. Pure. */
import { checkStackName, DEFAULT_STACK, OptionSpecs, readCommandLine } from "../common/args";

export const USAGE = `Usage: npm run --silent bundle -- [--stack NAME] (--server NAME ... | --all) [--clients] --out DIR
       npm run --silent bundle -- [--stack NAME] --clients --out DIR
       npm run --silent bundle -- [--stack NAME] --requests --out DIR
       (or: node dist/scripts/bundle/cli.js ...; in your own Pulumi project: npx xprotect-certs bundle ...)

Writes, for each server, a folder DIR/<server>/ holding only that server's material: <server>.pfx,
<server>.json (the manifest the installer reads: scripts/bundle/manifest.schema.json) and
ca-<thumbprint>.cer per root to trust; DIR/order.txt lists the bundled servers in the order to switch
encryption on (management server, recording servers, then the other Data Collector servers). With --clients,
DIR/clients/ gets every root clients must trust, site.txt (the stack, which marks the roots) and the script that
trusts them (Install-XProtectRootCertificates.ps1). Every manifest is checked against its schema first. Files
are 0600, folders 0700.

Options:
  --stack NAME, -s NAME  The stack (default: example), read with the same backend and passphrase as npm run up
  --server NAME          A server to bundle (repeat for several)
  --all                  Every server of the stack
  --clients              Also write the client trust kit to DIR/clients/
  --requests             Also write DIR/requests/<server>.csr for each request waiting for an enterprise CA
                         (issuer: external) and DIR/requests/certreq.txt with the certreq command for each
  --out DIR, -o DIR      Where to write: a new folder, or an empty one of yours (never a symlink).
                         Refused inside a git repository unless git ignores it
                         (this repository ignores bundle/ and bundles/)
  --help, -h             Show this help

Exit codes: 0 written; 2 error (bad arguments, unknown stack or server, outputs without secrets, --out refused).
The bundle holds private keys and passwords: move each server's folder to that server, then delete it.

Environment:
  PULUMI_BACKEND_URL     State backend (default: file://<repo>/.pulumi-state; npx xprotect-certs: as your pulumi)
  PULUMI_CONFIG_PASSPHRASE, PULUMI_CONFIG_PASSPHRASE_FILE
                         Passphrase of the stack (needed to read its secrets)
`;

/** Parsed command line. */
export interface BundleArgs {
  stack: string;
  /** Servers named with --server, in the order given (deduplicated). */
  servers: string[];
  all: boolean;
  clients: boolean;
  /** Write the requests waiting for an enterprise CA (DIR/requests/). */
  requests: boolean;
  out?: string;
  help: boolean;
}

const OPTIONS: OptionSpecs = {
  stack: { type: "string", short: "s" },
  server: { type: "string", multiple: true },
  all: { type: "boolean" },
  clients: { type: "boolean" },
  requests: { type: "boolean" },
  out: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
};

/** Parses `argv` (without node and script); throws an Error naming the argument and the fix. */
export function parseArgs(argv: string[]): BundleArgs {
  const { values, positionals } = readCommandLine(argv, OPTIONS);
  if (positionals.length > 0) throw new Error(`Unknown argument: ${positionals[0]} (see --help)`);
  const args: BundleArgs = {
    stack: (values.stack as string | undefined) ?? DEFAULT_STACK,
    servers: [...new Set((values.server as string[] | undefined) ?? [])],
    all: values.all === true,
    clients: values.clients === true,
    requests: values.requests === true,
    out: values.out as string | undefined,
    help: values.help === true,
  };
  if (args.help) return args;
  checkStackName(args.stack);
  if (args.all && args.servers.length > 0) {
    throw new Error("--all and --server exclude each other: give either --all or the servers to bundle");
  }
  if (!args.all && args.servers.length === 0 && !args.clients && !args.requests) {
    throw new Error("nothing to bundle: give --server NAME (repeatable), --all, --clients or --requests");
  }
  if (!args.out)
    throw new Error("--out DIR is required: the folder to write the bundle to (e.g. --out bundle)");
  return args;
}

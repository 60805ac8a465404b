/** The command line of `npm run bench`: `[--n N] [--openssl-n K] [--json]`. */

/** Servers (certificates) per measurement when --n is not given. */
export const DEFAULT_N = 200;

export interface BenchArgs {
  /** Servers (certificates) per measurement. */
  n: number;
  /** Certificates the OpenSSL script makes; the time is scaled to n when smaller. Default: n. */
  opensslN: number;
  /** Print the results as one JSON object on stdout's last line, after the table. */
  json: boolean;
  /** Print the usage and stop. */
  help: boolean;
}

export const USAGE = `Usage: npm run bench [-- [--n N] [--openssl-n K] [--json]]

  --n N          servers (certificates) per measurement (default ${DEFAULT_N})
  --openssl-n K  make only K certificates with the OpenSSL script and scale its time to N (default: N)
  --json         after the table, print every figure as one JSON object on the last line of stdout
`;

/** Parses argv (without node and the script); throws an error naming the argument, the value and the fix. */
export function parseBenchArgs(argv: string[]): BenchArgs {
  let n = DEFAULT_N;
  let opensslN: number | undefined;
  let json = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = splitFlag(argv[i]);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value, e.g. ${flag} 50`);
      return v;
    };
    if (flag === "--n") n = positiveInteger(flag, value());
    else if (flag === "--openssl-n") opensslN = positiveInteger(flag, value());
    else if (flag === "--json") json = true;
    else if (flag === "--help" || flag === "-h") help = true;
    else if (flag === "--") continue;
    else throw new Error(`unknown argument "${argv[i]}": use --n, --openssl-n or --json (see --help)`);
  }
  if (opensslN !== undefined && opensslN > n) {
    throw new Error(`--openssl-n ${opensslN} is more than --n ${n}: give at most ${n}, or leave it out`);
  }
  return { n, opensslN: opensslN ?? n, json, help };
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return arg.startsWith("--") && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function positiveInteger(flag: string, text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1 || v > 100000) {
    throw new Error(`${flag} "${text}" is not a whole number from 1 to 100000: give e.g. ${flag} 50`);
  }
  return v;
}

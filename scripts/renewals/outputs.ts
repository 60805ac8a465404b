/**
 * Reads the non-secret part of a site's stack outputs (`pulumi stack output --json`, contract:
 * stacks/outputs.schema.json) into what renewals needs. Pure. Secret outputs, which appear as "[secret]" without
 * `--show-secrets`, are never read.
 */

/** The value Pulumi prints for a secret output without `--show-secrets`. */
export const SECRET_PLACEHOLDER = "[secret]";

/** A time as the outputs give it, and parsed. */
export interface OutputTime {
  /** As written in the outputs, e.g. `2027-01-02T18:04:54Z`. */
  text: string;
  /** Milliseconds since the epoch. */
  ms: number;
}

/** One server's certificate, from `servers.<name>`. */
export interface ServerCertificateInfo {
  /** The server's name (key of `servers`). */
  server: string;
  role: string;
  hostname: string;
  /** Upper-case hex; undefined when absent or secret. */
  thumbprint?: string;
  /** Upper-case hex; undefined when absent or secret. */
  serialNumber?: string;
  notBefore: OutputTime;
  notAfter: OutputTime;
  /** notAfter minus renewBeforeDays. */
  renewalDue: OutputTime;
}

/** What renewals reads from a site's outputs. */
export interface SiteCertificates {
  /** Sorted by server name. */
  servers: ServerCertificateInfo[];
  ca: {
    /** Upper-case hex; undefined when absent or secret. */
    thumbprint?: string;
    notAfter: OutputTime;
  };
}

/** A problem with the outputs, naming the field. */
export interface OutputsProblem {
  /** Path in the outputs, e.g. `servers.rec01.notAfter`. */
  field: string;
  reason: string;
}

export type OutputsResult = { ok: true; site: SiteCertificates } | { ok: false; problems: OutputsProblem[] };

const HEX = /^[0-9A-F]+$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const shown = (v: unknown): string => (v === undefined ? "missing" : JSON.stringify(v));

/** Parses the outputs object; every problem is reported, each naming its field. */
export function readSiteOutputs(outputs: unknown): OutputsResult {
  const problems: OutputsProblem[] = [];
  const problem = (field: string, reason: string): void => void problems.push({ field, reason });
  if (!isRecord(outputs) || Object.keys(outputs).length === 0) {
    const what = isRecord(outputs)
      ? "the stack has no outputs"
      : `${shown(outputs)} is not an outputs object`;
    problem("outputs", `${what}: run \`npm run up -- --stack NAME\` first, or give the right --outputs file`);
    return { ok: false, problems };
  }
  if (outputs.contractVersion !== 1) {
    problem(
      "contractVersion",
      `${shown(outputs.contractVersion)}: these are not the outputs of an xprotect-certs site (contract version 1); ` +
        "use the outputs of this project's stack (`npm run pulumi -- stack output --json --stack NAME`)",
    );
    return { ok: false, problems };
  }
  const time = (field: string, v: unknown): OutputTime | undefined => {
    if (v === SECRET_PLACEHOLDER) {
      problem(
        field,
        `is secret ("${SECRET_PLACEHOLDER}"): renewals needs it in clear; it is not secret in this project's outputs`,
      );
      return undefined;
    }
    const ms = typeof v === "string" && ISO_TIME.test(v) ? Date.parse(v) : NaN;
    if (Number.isNaN(ms)) {
      problem(field, `${shown(v)} is not an ISO 8601 UTC time such as 2027-01-02T10:00:00Z`);
      return undefined;
    }
    return { text: v as string, ms };
  };
  const hex = (v: unknown): string | undefined => (typeof v === "string" && HEX.test(v) ? v : undefined);
  const text = (field: string, v: unknown): string => {
    if (typeof v === "string" && v !== "") return v;
    problem(field, `${shown(v)}: expected a non-empty string`);
    return "";
  };

  const caNotAfter = time("caNotAfter", outputs.caNotAfter);
  const servers: ServerCertificateInfo[] = [];
  if (!isRecord(outputs.servers)) {
    problem("servers", `${shown(outputs.servers)}: expected a map from server name to its certificate`);
  } else {
    for (const name of Object.keys(outputs.servers).sort()) {
      const at = `servers.${name}`;
      const s = outputs.servers[name];
      if (!isRecord(s)) {
        problem(at, `${shown(s)}: expected the server's certificate details`);
        continue;
      }
      const notBefore = time(`${at}.notBefore`, s.notBefore);
      const notAfter = time(`${at}.notAfter`, s.notAfter);
      const renewalDue = time(`${at}.renewalDue`, s.renewalDue);
      const role = text(`${at}.role`, s.role);
      const hostname = text(`${at}.hostname`, s.hostname);
      if (notBefore && notAfter && renewalDue) {
        servers.push({
          server: name,
          role,
          hostname,
          thumbprint: hex(s.thumbprint),
          serialNumber: hex(s.serialNumber),
          notBefore,
          notAfter,
          renewalDue,
        });
      }
    }
  }
  if (problems.length > 0 || !caNotAfter) return { ok: false, problems };
  return { ok: true, site: { servers, ca: { thumbprint: hex(outputs.caThumbprint), notAfter: caNotAfter } } };
}

/** Parses the text of `pulumi stack output --json`; `source` names where it came from in messages. */
export function parseOutputsJson(text: string, source: string): OutputsResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      problems: [
        {
          field: "outputs",
          reason:
            `${source} is not valid JSON (${(e as Error).message}): write it with ` +
            "`npm run --silent pulumi -- stack output --json --stack NAME > FILE`",
        },
      ],
    };
  }
  return readSiteOutputs(value);
}

/** One line per problem: `outputs.<field>: <reason>`. */
export function formatProblems(problems: OutputsProblem[]): string {
  return problems
    .map((p) => `${p.field === "outputs" ? "outputs" : `outputs.${p.field}`}: ${p.reason}`)
    .join("\n");
}

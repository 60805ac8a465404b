/**
 * Reads the non-secret part of a site's stack outputs (`pulumi stack output --json`) into what renewals needs,
 * with the outputs contract (provider/contract) and renewals' own advice. Pure. Secret outputs, which appear as
 * "[secret]" without `--show-secrets`, are never read.
 */
import {
  ContractProblem,
  formatContractProblems,
  openOutputs,
  readSiteCertificates,
  SiteCertificates,
} from "../../provider/contract";
import { readRoots, SiteRoots } from "./roots";

/** What renewals reads of a site: every certificate's dates, and the trusted roots with the rotation's stage. */
export type RenewalSite = SiteCertificates & SiteRoots;

export type OutputsResult = { ok: true; site: RenewalSite } | { ok: false; problems: ContractProblem[] };

const RUN_UP = "run `npm run up -- --stack NAME` first, or give the right --outputs file";

/** Parses the outputs object; every problem is reported, each naming its field. */
export function readSiteOutputs(outputs: unknown): OutputsResult {
  const opened = openOutputs(outputs);
  if (!opened.ok) {
    const [field, reason] =
      opened.problem === "empty"
        ? ["outputs", `the stack has no outputs: ${RUN_UP}`]
        : opened.problem === "not-an-object"
          ? ["outputs", `${opened.shown} is not an outputs object: ${RUN_UP}`]
          : [
              "contractVersion",
              `${opened.shown}: these are not the outputs of an xprotect-certs site (contract version 1); ` +
                "use the outputs of this project's stack (`npm run pulumi -- stack output --json --stack NAME`)",
            ];
    return { ok: false, problems: [{ field, reason }] };
  }
  const read = readSiteCertificates(opened.outputs, "renewals");
  if (!read.ok) return read;
  const roots = readRoots(opened.outputs, read.value.ca);
  return roots.ok ? { ok: true, site: { ...read.value, ...roots.value } } : roots;
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
export const formatProblems = (problems: ContractProblem[]): string =>
  formatContractProblems(problems, "outputs.");

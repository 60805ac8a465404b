/** CaCertificate arguments: defaults, normalisation and the guard against making a new root by accident. */
import {
  ALLOWED_RSA_BITS,
  DEFAULT_CA_RSA_BITS,
  DEFAULT_CA_VALIDITY_DAYS,
  MAX_FRIENDLY_NAME_LENGTH,
  MAX_VALIDITY_DAYS,
  RsaBits,
} from "../pki/limits";
import { Checker, CheckFailure, isUnknown } from "./fields";

export const DEFAULT_CA_COMMON_NAME = "VMS Certificate Authority";
export const DEFAULT_CA_FRIENDLY_NAME = "VMS CA Certificate";
/** X.520 upper bound for CN and O. */
export const MAX_NAME_ATTRIBUTE_LENGTH = 64;

export interface CaInputs {
  commonName: string;
  organization?: string;
  rsaBits: RsaBits;
  validityDays: number;
  friendlyName: string;
  generation: number;
}

/** Fields whose change makes a new CA key or subject: every client must then trust a new root. */
export const CA_IDENTITY_FIELDS = [
  "commonName",
  "organization",
  "rsaBits",
  "validityDays",
  "generation",
] as const;

export function validateCaArgs(
  news: Record<string, unknown>,
  olds?: Record<string, unknown>,
): { inputs: CaInputs; failures: CheckFailure[] } {
  const c = new Checker();
  const inputs: CaInputs = {
    commonName: c.text("commonName", news.commonName, {
      default: DEFAULT_CA_COMMON_NAME,
      maxLength: MAX_NAME_ATTRIBUTE_LENGTH,
      example: DEFAULT_CA_COMMON_NAME,
    })!,
    organization: c.text("organization", news.organization, {
      maxLength: MAX_NAME_ATTRIBUTE_LENGTH,
      example: "Example Security Ltd",
    }),
    rsaBits: c.oneOf("rsaBits", news.rsaBits, ALLOWED_RSA_BITS, DEFAULT_CA_RSA_BITS),
    validityDays: c.integer("validityDays", news.validityDays, {
      min: 1,
      max: MAX_VALIDITY_DAYS,
      default: DEFAULT_CA_VALIDITY_DAYS,
      limitName: "MAX_VALIDITY_DAYS",
    }),
    friendlyName: c.text("friendlyName", news.friendlyName, {
      default: DEFAULT_CA_FRIENDLY_NAME,
      maxLength: MAX_FRIENDLY_NAME_LENGTH,
      example: DEFAULT_CA_FRIENDLY_NAME,
    })!,
    generation: c.integer("generation", news.generation, { min: 0, max: 1_000_000, default: 0 }),
  };
  if (inputs.organization === undefined) delete inputs.organization;
  if (olds && Object.keys(olds).length > 0 && c.failures.length === 0) guardIdentity(c, olds, inputs);
  return { inputs, failures: c.failures };
}

/**
 * A change to the CA's identity without a generation bump is almost always a mistake (a default moved, a
 * typo): refuse it at preview and say how to make a new CA on purpose.
 */
function guardIdentity(c: Checker, olds: Record<string, unknown>, inputs: CaInputs): void {
  const oldGeneration = olds.generation ?? 0;
  if (inputs.generation !== oldGeneration) return;
  for (const field of CA_IDENTITY_FIELDS) {
    const before = olds[field];
    const after = inputs[field];
    if (field === "generation" || isUnknown(after)) continue;
    if (before === undefined && field !== "organization") continue; // state written before the field existed
    if ((before ?? null) !== (after ?? null)) {
      c.fail(
        field,
        `changing it from ${JSON.stringify(before)} to ${JSON.stringify(after)} would make a new root CA, which every ` +
          `XProtect client and server must then trust again. To keep the current CA, set it back to ${JSON.stringify(before)}. ` +
          `To make a new CA on purpose, also set generation to ${Number(oldGeneration) + 1} and unprotect the CA ` +
          `(npm run pulumi -- state unprotect <CA urn>).`,
      );
    }
  }
}

/**
 * CaCertificate's check: every field of its table (fields.ts), adoption of an existing CA, and the guard against
 * making a new root by accident.
 */
import { ALLOWED_RSA_BITS, DAY_MS, RsaBits } from "../pki/limits";
import { caSuitability } from "../pki/adopt";
import { commonNameOf } from "../pki/inspect";
import { compactRsaKey, rsaPrimeCount } from "../pki/compact-key";
import { openGiven } from "../validate/adopt";
import { checkFields } from "../validate/field";
import { Checker, CheckFailure, isUnknown, UNKNOWN } from "../validate/fields";
import { CA_ADOPTED_FIELDS, CA_FIELDS, CA_NEW_ROOT_FIELDS, CaFieldValues } from "./fields";

export { DEFAULT_CA_COMMON_NAME, DEFAULT_CA_FRIENDLY_NAME } from "./fields";

/** What the provider receives: every field of the table, checked, and what adoption adds. */
export interface CaInputs extends CaFieldValues {
  /** An existing CA to adopt: a PFX (base64) and its password... */
  adoptPfx?: string;
  adoptPfxPassword?: string;
  /** ...or its certificate and private key, PEM (e.g. @pulumi/tls SelfSignedCert.certPem and PrivateKey.privateKeyPem). */
  adoptCertificatePem?: string;
  adoptPrivateKeyPem?: string;
  /** Set by check when adopting: the adopted CA's thumbprint, its identity. */
  adoptedThumbprint?: string;
}

/** The inputs that carry adopted material (secret; never echoed into outputs). */
export const CA_ADOPT_FIELDS = [
  "adoptPfx",
  "adoptPfxPassword",
  "adoptCertificatePem",
  "adoptPrivateKeyPem",
] as const;

/** Fields whose change makes a new CA key or subject: every client must then trust a new root. */
export const CA_IDENTITY_FIELDS = [...CA_NEW_ROOT_FIELDS, "adoptedThumbprint"] as const;

/** What check learnt about an adopted CA (for the runtime and the warnings). */
export interface AdoptedCa {
  certificateDer: Buffer;
  privateKeyPem: string;
  basicConstraintsAbsent: boolean;
}

export function validateCaArgs(
  news: Record<string, unknown>,
  olds?: Record<string, unknown>,
  now: Date = new Date(),
): { inputs: CaInputs; failures: CheckFailure[]; adopted?: AdoptedCa } {
  const c = new Checker();
  const adoption = adoptCa(c, news, now, olds?.adoptedThumbprint);
  if (adoption) {
    for (const f of CA_ADOPTED_FIELDS) {
      if (news[f] !== undefined && news[f] !== null && !isUnknown(adoption.inputs.adoptedThumbprint)) {
        const value = adoption.adopted
          ? (adoption.inputs as unknown as Record<string, unknown>)[f]
          : undefined;
        if (value === undefined || news[f] !== value) {
          c.fail(
            f,
            `${JSON.stringify(news[f])} is taken from the adopted CA${value === undefined ? "" : ` (${JSON.stringify(value)})`}: remove it` +
              (typeof news.generation === "number" && news.generation >= 1 ? RETIRE_HINT : ""),
          );
        }
      }
    }
  }
  const inputs: CaInputs = checkFields(c, CA_FIELDS, news);
  if (adoption) {
    Object.assign(inputs, adoption.inputs);
    if (inputs.organization === undefined) delete inputs.organization;
  }
  for (const f of CA_ADOPT_FIELDS)
    if (news[f] !== undefined && news[f] !== null) inputs[f] = news[f] as string;
  if (inputs.organization === undefined) delete inputs.organization;
  if (olds && Object.keys(olds).length > 0 && c.failures.length === 0) guardIdentity(c, olds, inputs);
  return { inputs, failures: c.failures, adopted: adoption?.adopted };
}

/** The identity an adopted CA gives the inputs, or undefined when nothing is adopted. */
function adoptCa(
  c: Checker,
  news: Record<string, unknown>,
  now: Date,
  adoptedBefore: unknown,
): { inputs: Partial<CaInputs>; adopted?: AdoptedCa } | undefined {
  const opened = openGiven(c, news, {
    pfx: "adoptPfx",
    password: "adoptPfxPassword",
    certificatePem: "adoptCertificatePem",
    privateKeyPem: "adoptPrivateKeyPem",
  });
  if (opened === undefined) return undefined;
  if (opened === "unknown") return { inputs: { adoptedThumbprint: UNKNOWN } };
  if (opened === "failed") return { inputs: {} };
  const blame = news.adoptPfx !== undefined && news.adoptPfx !== null ? "adoptPfx" : "adoptCertificatePem";
  // A CA already adopted by this stack that expires in service is not refused here: every run would stop, the
  // rotation's switch and retire included, which are the way out (the servers' check refuses issuing from it).
  const inService = adoptedBefore === opened.facts.thumbprint;
  const suitability = caSuitability(opened.certificateDer, inService ? undefined : now);
  for (const problem of suitability.problems) c.fail(blame, `cannot be the site CA: ${problem}`);
  if (!ALLOWED_RSA_BITS.includes(opened.rsaBits as RsaBits)) {
    c.fail(blame, `its RSA key has ${opened.rsaBits} bits: only ${ALLOWED_RSA_BITS.join(", ")} are accepted`);
  }
  const primes = rsaPrimeCount(opened.privateKey);
  if (primes !== 2) {
    const keyField =
      news.adoptPfx !== undefined && news.adoptPfx !== null ? "adoptPfx" : "adoptPrivateKeyPem";
    c.fail(
      keyField,
      `its RSA key has ${primes} primes (a multi-prime key, e.g. from openssl genpkey -pkeyopt rsa_keygen_primes:${primes}): ` +
        `server certificates are signed with two-prime RSA keys only, so this CA cannot be adopted. Adopt a CA whose ` +
        `key has two primes (Windows and OpenSSL make those by default), or leave the adoption inputs out to have a new CA made`,
    );
  }
  const f = opened.facts;
  return {
    inputs: {
      commonName: commonNameOf(opened.certificateDer) ?? f.subject,
      organization: undefined,
      rsaBits: opened.rsaBits as RsaBits,
      validityDays: Math.round((Date.parse(f.notAfter) - Date.parse(f.notBefore)) / DAY_MS),
      adoptedThumbprint: f.thumbprint,
    },
    adopted: {
      certificateDer: opened.certificateDer,
      privateKeyPem: opened.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      basicConstraintsAbsent: suitability.basicConstraintsAbsent,
    },
  };
}

/** What to do when a rotation's retire leaves the old root's adoption config in place. */
const RETIRE_HINT =
  " At a root rotation's retire (ca now holds nextCa's settings), remove the old root's adoption config instead: " +
  "npm run pulumi -- config rm xprotect-certs:caPfx and xprotect-certs:caPfxPassword (or xprotect-certs:" +
  'caCertificatePem and xprotect-certs:caPrivateKeyPem); the root this stack made stays and nothing is reissued (README "Rotating the root CA")';

/** The compact signing key of a PEM key (what server certificates take as `caSigningKey`). */
export const signingKeyOf = (privateKeyPem: string): string => compactRsaKey(privateKeyPem);

/**
 * A change to the CA's identity without a generation bump is almost always a mistake (a default moved, a
 * typo): refuse it at preview and say how to make a new CA on purpose.
 */
function guardIdentity(c: Checker, olds: Record<string, unknown>, inputs: CaInputs): void {
  const oldGeneration = olds.generation ?? 0;
  if (inputs.generation !== oldGeneration) return;
  const onPurpose =
    `To move a site to a new root on purpose, rotate to it: stage it as nextCa with generation ` +
    `${Number(oldGeneration) + 1} (README "Rotating the root CA"). A CA that issues no server certificate may be ` +
    `replaced in place: set generation to ${Number(oldGeneration) + 1} and unprotect the CA ` +
    `(npm run pulumi -- state unprotect <CA urn>).`;
  const root = "would make a new root CA, which every XProtect client and server must then trust again.";
  const adopted = olds.adoptedThumbprint;
  if (
    !adopted &&
    typeof inputs.adoptedThumbprint === "string" &&
    !isUnknown(inputs.adoptedThumbprint) &&
    typeof oldGeneration === "number" &&
    oldGeneration >= 1
  ) {
    // A root made here at a generation above 0 is a rotation's next root: at its retire, the old root's adoption
    // config was left in place.
    c.fail(
      "adoptedThumbprint",
      `ca (generation ${oldGeneration}) is the root this stack made` +
        (typeof olds.stagedAt === "string" ? ` (staged on ${olds.stagedAt})` : "") +
        `, but the adoption config still gives the CA ${inputs.adoptedThumbprint}.${RETIRE_HINT}`,
    );
    return;
  }
  if (!isUnknown(inputs.adoptedThumbprint) && (adopted ?? null) !== (inputs.adoptedThumbprint ?? null)) {
    // Which CA it is, said once, in terms of the adoption inputs (the identity fields follow from it).
    const what = !adopted
      ? `adopting the CA ${inputs.adoptedThumbprint} in place of the one this stack made`
      : inputs.adoptedThumbprint
        ? `adopting the CA ${inputs.adoptedThumbprint} in place of the adopted ${String(adopted)}`
        : `leaving out the adopted CA's material (adoptPfx or adoptCertificatePem: the caPfx or caCertificatePem config) for the adopted ${String(adopted)}`;
    c.fail(
      "adoptedThumbprint",
      `${what} ${root} To keep the current CA, give back the material it was adopted from. ${onPurpose}`,
    );
    return;
  }
  for (const field of CA_IDENTITY_FIELDS) {
    const before = olds[field];
    const after = inputs[field];
    if (field === "generation" || field === "adoptedThumbprint" || isUnknown(after)) continue;
    if (before === undefined && field !== "organization") continue; // state written before the field existed
    if ((before ?? null) !== (after ?? null)) {
      c.fail(
        field,
        `changing it from ${JSON.stringify(before)} to ${JSON.stringify(after)} ${root} To keep the current CA, ` +
          `set it back to ${JSON.stringify(before)}. ${onPurpose}`,
      );
    }
  }
}

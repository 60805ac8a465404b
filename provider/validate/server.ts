/** ServerCertificate arguments: defaults and normalisation (names, addresses, periods, PFX settings). */
import {
  ALLOWED_RSA_BITS,
  DEFAULT_RENEW_BEFORE_DAYS,
  DEFAULT_SERVER_RSA_BITS,
  DEFAULT_SERVER_VALIDITY_DAYS,
  MAX_FRIENDLY_NAME_LENGTH,
  MAX_VALIDITY_DAYS,
  RsaBits,
} from "../pki/limits";
import { normaliseDnsName, normaliseIpAddress } from "../pki/names";
import { PFX_PROFILES, PfxProfile } from "../pki/pkcs12";
import { Checker, CheckFailure, isUnknown } from "./fields";

export const DEFAULT_SERVER_FRIENDLY_NAME = "VMS SSL Certificate";
export const KEY_ROTATIONS = ["always", "never"] as const;
export type KeyRotation = (typeof KEY_ROTATIONS)[number];
/** Longest PFX password we accept (Windows' import dialog takes far less, but scripts do not). */
export const MAX_PFX_PASSWORD_LENGTH = 256;

export interface ServerInputs {
  /** The issuing CA, from its CaCertificate. */
  caCertificatePem: string;
  caPrivateKeyPem: string;
  dnsNames: string[];
  ipAddresses: string[];
  rsaBits: RsaBits;
  validityDays: number;
  renewBeforeDays: number;
  autoRenew: boolean;
  generation: number;
  keyRotation: KeyRotation;
  /** Absent: a password is generated once and kept. */
  pfxPassword?: string;
  pfxProfile: PfxProfile;
  friendlyName: string;
  includeChain: boolean;
}

export function validateServerArgs(news: Record<string, unknown>): {
  inputs: ServerInputs;
  failures: CheckFailure[];
} {
  const c = new Checker();
  for (const field of ["caCertificatePem", "caPrivateKeyPem"] as const) {
    const v = news[field];
    if (!isUnknown(v) && (typeof v !== "string" || !v.includes("-----BEGIN"))) {
      c.fail(field, `missing: pass the site's CaCertificate as \`ca\``);
    }
  }
  const validityDays = c.integer("validityDays", news.validityDays, {
    min: 1,
    max: MAX_VALIDITY_DAYS,
    default: DEFAULT_SERVER_VALIDITY_DAYS,
    limitName: "MAX_VALIDITY_DAYS",
  });
  const renewBeforeDays = c.integer("renewBeforeDays", news.renewBeforeDays, {
    min: 0,
    max: MAX_VALIDITY_DAYS,
    default: DEFAULT_RENEW_BEFORE_DAYS,
  });
  if (
    !isUnknown(validityDays) &&
    !isUnknown(renewBeforeDays) &&
    renewBeforeDays >= validityDays &&
    validityDays > 0
  ) {
    c.fail(
      "renewBeforeDays",
      `${renewBeforeDays} is not less than validityDays (${validityDays}): the certificate would be due the moment it is issued; ` +
        `use fewer days (e.g. ${Math.max(1, Math.floor(validityDays / 4))})`,
    );
  }
  const inputs: ServerInputs = {
    caCertificatePem: news.caCertificatePem as string,
    caPrivateKeyPem: news.caPrivateKeyPem as string,
    dnsNames: c.list("dnsNames", news.dnsNames, { min: 1, normalise: normaliseDnsName }),
    ipAddresses: c.list("ipAddresses", news.ipAddresses, { min: 0, normalise: normaliseIpAddress }),
    rsaBits: c.oneOf("rsaBits", news.rsaBits, ALLOWED_RSA_BITS, DEFAULT_SERVER_RSA_BITS),
    validityDays,
    renewBeforeDays,
    autoRenew: c.boolean("autoRenew", news.autoRenew, true),
    generation: c.integer("generation", news.generation, { min: 0, max: 1_000_000, default: 0 }),
    keyRotation: c.oneOf("keyRotation", news.keyRotation, KEY_ROTATIONS, "always"),
    pfxProfile: c.oneOf("pfxProfile", news.pfxProfile, PFX_PROFILES, "legacy-3des"),
    friendlyName: c.text("friendlyName", news.friendlyName, {
      default: DEFAULT_SERVER_FRIENDLY_NAME,
      maxLength: MAX_FRIENDLY_NAME_LENGTH,
      example: DEFAULT_SERVER_FRIENDLY_NAME,
    })!,
    includeChain: c.boolean("includeChain", news.includeChain, true),
  };
  const password = news.pfxPassword;
  if (password !== undefined && password !== null) {
    if (isUnknown(password)) inputs.pfxPassword = password as string;
    else if (typeof password !== "string")
      c.fail("pfxPassword", `a ${typeof password} is not a password: give text`);
    else if (password === "") {
      c.fail(
        "pfxPassword",
        `is empty: an empty PFX password protects nothing. Give one, or leave pfxPassword out to have one generated`,
      );
    } else if (password.length > MAX_PFX_PASSWORD_LENGTH) {
      c.fail(
        "pfxPassword",
        `is ${password.length} characters long; at most ${MAX_PFX_PASSWORD_LENGTH} are allowed`,
      );
    } else inputs.pfxPassword = password;
  }
  return { inputs, failures: c.failures };
}

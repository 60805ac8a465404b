/**
 * CaCertificate's fields, each once: what its change does, its default and its check. A change to a "reissue"
 * field is a new root (every client must trust it again): check refuses it unless `generation` is bumped on
 * purpose. The site config's `ca` keys and the identity guard's list are derived from this table.
 */
import {
  ALLOWED_RSA_BITS,
  DEFAULT_CA_RSA_BITS,
  DEFAULT_CA_VALIDITY_DAYS,
  MAX_COMMON_NAME_LENGTH,
  MAX_FRIENDLY_NAME_LENGTH,
  MAX_VALIDITY_DAYS,
  RsaBits,
} from "../pki/limits";
import { echo, fieldsWith, reissue, ValuesOf } from "../validate/field";
import { MAX_GENERATION } from "../server/fields";

export const DEFAULT_CA_COMMON_NAME = "VMS Certificate Authority";
export const DEFAULT_CA_FRIENDLY_NAME = "VMS CA Certificate";

export const CA_FIELDS = {
  /** Subject CN. Default "VMS Certificate Authority", as the vendor's script names it. */
  commonName: reissue<string>({
    default: DEFAULT_CA_COMMON_NAME,
    check: (c, v, p) =>
      c.text(p, v, {
        default: DEFAULT_CA_COMMON_NAME,
        maxLength: MAX_COMMON_NAME_LENGTH,
        example: DEFAULT_CA_COMMON_NAME,
      })!,
  }),
  /** Subject O, when wanted. */
  organization: reissue<string | undefined>({
    check: (c, v, p) => c.text(p, v, { maxLength: MAX_COMMON_NAME_LENGTH, example: "Example Security Ltd" }),
  }),
  /** RSA key size: 2048, 3072 (default) or 4096. */
  rsaBits: reissue<RsaBits>({
    default: DEFAULT_CA_RSA_BITS,
    check: (c, v, p) => c.oneOf(p, v, ALLOWED_RSA_BITS, DEFAULT_CA_RSA_BITS),
  }),
  /** Days from issuance to expiry. Default 3650. A CA is never renewed by the clock. */
  validityDays: reissue<number>({
    default: DEFAULT_CA_VALIDITY_DAYS,
    check: (c, v, p) =>
      c.integer(p, v, {
        min: 1,
        max: MAX_VALIDITY_DAYS,
        default: DEFAULT_CA_VALIDITY_DAYS,
        limitName: "MAX_VALIDITY_DAYS",
      }),
  }),
  /** The name the Windows certificate manager shows for it. Default "VMS CA Certificate". */
  friendlyName: echo<string>({
    default: DEFAULT_CA_FRIENDLY_NAME,
    check: (c, v, p) =>
      c.text(p, v, {
        default: DEFAULT_CA_FRIENDLY_NAME,
        maxLength: MAX_FRIENDLY_NAME_LENGTH,
        example: DEFAULT_CA_FRIENDLY_NAME,
      })!,
  }),
  /**
   * Default 0. Bump it (and unprotect the resource) to make a new CA on purpose; every other change that would
   * make a new key or subject is refused at preview.
   */
  generation: reissue<number>({
    default: 0,
    check: (c, v, p) => c.integer(p, v, { min: 0, max: MAX_GENERATION, default: 0 }),
  }),
};

export type CaFieldValues = ValuesOf<typeof CA_FIELDS>;
/** The site config's `ca` keys: every field of the table. */
export const CA_KEYS = Object.keys(CA_FIELDS) as (keyof typeof CA_FIELDS)[];
/** Fields whose change makes a new CA key or subject (the adopted CA's thumbprint is added by check.ts). */
export const CA_NEW_ROOT_FIELDS = fieldsWith(CA_FIELDS, "reissue");
/** Fields an adopted CA gives itself (its certificate says them): the config must leave them out. */
export const CA_ADOPTED_FIELDS = ["commonName", "organization", "rsaBits", "validityDays"] as const;

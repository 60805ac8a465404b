/**
 * ServerCertificate's fields, each once: what its change does, its default, its check, and whether a site's
 * `defaults` may set it. Everything else is derived from this table: the resource's Args, the provider's inputs
 * and defaults, the diff's reissue and PFX lists, the echoed outputs, and the site config's setting keys.
 *
 * A new per-server setting is one entry here (plus any rule across fields in check.ts).
 */
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
import { readSignedChain } from "../pki/signed";
import {
  echo,
  fieldsWith,
  input,
  pfx,
  reissue,
  secret,
  setting,
  settingKeysOf,
  ValuesOf,
} from "../validate/field";
import { Checker, describeValue, isUnknown, textItem } from "../validate/fields";

export const DEFAULT_SERVER_FRIENDLY_NAME = "VMS SSL Certificate";
export const KEY_ROTATIONS = ["always", "never"] as const;
/**
 * Who signs: "site" (the site's own root, at once) or "external" (an enterprise CA such as AD CS: the key and a
 * request are made here, the signed certificate comes back through `signedCertificate`).
 */
export const ISSUERS = ["site", "external"] as const;
export type Issuer = (typeof ISSUERS)[number];
export type KeyRotation = (typeof KEY_ROTATIONS)[number];
/** Longest PFX password we accept (Windows' import dialog takes far less, but scripts do not). */
export const MAX_PFX_PASSWORD_LENGTH = 256;
/** Largest generation accepted (a counter bumped by hand or by `npm run renewals -- --apply`). */
export const MAX_GENERATION = 1_000_000;

export const SERVER_FIELDS = {
  /** The server's DNS names, at least one; the first is the subject CN. Lower-cased, trailing dot dropped. */
  dnsNames: reissue<string[]>({
    check: (c, v, p) => c.list(p, v, { min: 1, normalise: textItem("a DNS name", normaliseDnsName) }),
  }),
  /** IPv4 or IPv6 addresses clients may connect to. */
  ipAddresses: reissue<string[]>({
    default: [],
    check: (c, v, p) => c.list(p, v, { min: 0, normalise: textItem("an IP address", normaliseIpAddress) }),
  }),
  /** Default 730; never past the CA's notAfter (cut short, with a warning). */
  validityDays: setting(
    reissue<number>({
      default: DEFAULT_SERVER_VALIDITY_DAYS,
      check: (c, v, p) =>
        c.integer(p, v, {
          min: 1,
          max: MAX_VALIDITY_DAYS,
          default: DEFAULT_SERVER_VALIDITY_DAYS,
          limitName: "MAX_VALIDITY_DAYS",
        }),
    }),
  ),
  /** Reissue this many days before notAfter. Default 30. */
  renewBeforeDays: setting(
    echo<number>({
      default: DEFAULT_RENEW_BEFORE_DAYS,
      check: (c, v, p) =>
        c.integer(p, v, { min: 0, max: MAX_VALIDITY_DAYS, default: DEFAULT_RENEW_BEFORE_DAYS }),
    }),
  ),
  /** Reissue during a plain `pulumi up` once due. Default true. */
  autoRenew: setting(
    echo<boolean>({
      default: true,
      check: (c, v, p) => c.boolean(p, v, true),
    }),
  ),
  /** 2048 (default), 3072 or 4096. */
  rsaBits: setting(
    reissue<RsaBits>({
      default: DEFAULT_SERVER_RSA_BITS,
      check: (c, v, p) => c.oneOf(p, v, ALLOWED_RSA_BITS, DEFAULT_SERVER_RSA_BITS),
    }),
  ),
  /** "legacy-3des" (default, every Windows) or "modern-aes256" (Windows 10 1709+ / Server 2019+). */
  pfxProfile: setting(
    pfx<PfxProfile>({
      default: "legacy-3des",
      check: (c, v, p) => c.oneOf(p, v, PFX_PROFILES, "legacy-3des"),
    }),
  ),
  /** The name Windows' certificate manager shows. Default "VMS SSL Certificate". */
  friendlyName: setting(
    pfx<string>({
      default: DEFAULT_SERVER_FRIENDLY_NAME,
      check: (c, v, p) =>
        c.text(p, v, {
          default: DEFAULT_SERVER_FRIENDLY_NAME,
          maxLength: MAX_FRIENDLY_NAME_LENGTH,
          example: DEFAULT_SERVER_FRIENDLY_NAME,
        })!,
    }),
  ),
  /** "always" (default): a reissue makes a new key. "never": reuse the key while rsaBits stays. */
  keyRotation: setting(
    echo<KeyRotation>({
      default: "always",
      check: (c, v, p) => c.oneOf(p, v, KEY_ROTATIONS, "always"),
    }),
  ),
  /** Put the CA certificate in the PFX too. Default true. */
  includeChain: setting(
    pfx<boolean>({
      default: true,
      check: (c, v, p) => c.boolean(p, v, true),
    }),
  ),
  /** Bump to reissue now. Default 0. */
  generation: setting(
    reissue<number>({
      default: 0,
      check: (c, v, p) => c.integer(p, v, { min: 0, max: MAX_GENERATION, default: 0 }),
    }),
  ),
  /** The PFX password (kept secret). Absent: 24 random characters, generated once and kept. */
  pfxPassword: secret<string | undefined>({
    check: checkPassword,
  }),
  /**
   * An installed certificate to take over: its PFX in base64 (password: `pfxPassword`), issued by `ca` and
   * naming exactly `dnsNames` and `ipAddresses`. It is kept (same thumbprint) until an input changes or it is
   * due, then reissued like any other. Kept secret.
   */
  adoptPfx: secret<string | undefined>({
    check: (_c, v) => (v === undefined || v === null ? undefined : (v as string)),
  }),
  /**
   * "site" (default): the site's root signs at once. "external": an enterprise CA signs a request made here (key
   * kept secret in the state) and the certificate comes back as `signedCertificate`. Left out of the state for
   * "site", so that certificates made before issuers existed stay as they are.
   */
  issuer: setting(
    echo<"external" | undefined>({
      check: (c, v, p) => {
        if (v === undefined || v === null || isUnknown(v)) return v === null ? undefined : (v as undefined);
        const issuer = c.oneOf(p, v, ISSUERS, "site");
        return issuer === "external" ? "external" : undefined;
      },
    }),
  ),
  /**
   * With `issuer: external`, once signed: the certificate the enterprise CA returned for the pending request, PEM,
   * leaf first, then the intermediates up to (not necessarily including) a root of `externalRoots`.
   */
  signedCertificate: input<string | undefined>({
    check: (c, v, p) => {
      if (v === undefined || v === null || isUnknown(v)) return v === null ? undefined : (v as undefined);
      if (typeof v !== "string") {
        c.fail(p, `${describeValue(v)} is not a certificate: give the PEM text the CA returned`);
        return undefined;
      }
      const read = readSignedChain(v);
      if ("problem" in read) c.fail(p, read.problem);
      return v;
    },
  }),
  /** With `issuer: external`: the enterprise roots (PEM) a signed certificate must chain to, at least one. */
  externalRoots: input<string[] | undefined>({
    check: (c, v, p) => {
      if (v === undefined || v === null || isUnknown(v)) return v === null ? undefined : (v as undefined);
      return c.list(p, v, { min: 1, normalise: rootPem });
    },
  }),
};

/** One root of externalRoots: a single whole CA certificate, PEM. */
function rootPem(v: unknown): { ok: true; value: string } | { ok: false; reason: string } {
  if (typeof v !== "string") return { ok: false, reason: `${describeValue(v)} is not a PEM certificate` };
  const read = readSignedChain(v);
  if ("problem" in read) return { ok: false, reason: read.problem };
  if (read.intermediates.length > 0) {
    return { ok: false, reason: "holds more than one certificate: give each root as its own entry" };
  }
  if (!read.leaf.ca) {
    const subject = read.leaf.subject.split("\n").reverse().join(", ");
    return {
      ok: false,
      reason: `"${subject}" is not a CA certificate (no basicConstraints CA:TRUE): give the enterprise root CA's certificate`,
    };
  }
  return { ok: true, value: v };
}

/** The checked value of each field. */
export type ServerFieldValues = ValuesOf<typeof SERVER_FIELDS>;

/** Inputs whose change means a new certificate. */
export const REISSUE_FIELDS = fieldsWith(SERVER_FIELDS, "reissue");
/** Inputs whose change means only a new PFX around the same key and certificate. */
export const PFX_FIELDS = fieldsWith(SERVER_FIELDS, "pfx");
/** Inputs echoed into the outputs (diff and update receive old outputs, never old inputs). */
export const ECHOED_FIELDS = fieldsWith(SERVER_FIELDS, "reissue", "echo", "pfx");
/** Inputs only the provider reads (never echoed into the outputs). */
export const INPUT_FIELDS = fieldsWith(SERVER_FIELDS, "input");
/** Inputs the engine must encrypt, and that never reach the outputs. */
export const SECRET_FIELDS = fieldsWith(SERVER_FIELDS, "secret");
/** What a site's `defaults` (and each server) may set for its certificate. */
export const SERVER_SETTING_KEYS = settingKeysOf(SERVER_FIELDS);

/** A PFX password: text, not empty, not too long; unknown at preview is passed on. */
function checkPassword(c: Checker, v: unknown, p: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (isUnknown(v)) return v as string;
  if (typeof v !== "string") c.fail(p, `a ${typeof v} is not a password: give text`);
  else if (v === "") {
    c.fail(
      p,
      `is empty: an empty PFX password protects nothing. Give one, or leave pfxPassword out to have one generated`,
    );
  } else if (v.length > MAX_PFX_PASSWORD_LENGTH) {
    c.fail(p, `is ${v.length} characters long; at most ${MAX_PFX_PASSWORD_LENGTH} are allowed`);
  } else return v;
  return undefined;
}

/** Named limits and defaults of the certificate core. Every check that uses one names it in its message. */

/** RSA modulus sizes we issue. Below 2048 Apple's clients and current Windows policy refuse the key. */
export const ALLOWED_RSA_BITS = [2048, 3072, 4096] as const;
export type RsaBits = (typeof ALLOWED_RSA_BITS)[number];

export const DEFAULT_CA_RSA_BITS: RsaBits = 3072;
export const DEFAULT_SERVER_RSA_BITS: RsaBits = 2048;

export const DEFAULT_CA_VALIDITY_DAYS = 3650;
export const DEFAULT_SERVER_VALIDITY_DAYS = 730;
export const DEFAULT_RENEW_BEFORE_DAYS = 30;

/** Longest validity we accept for any certificate (a CA included): 100 years. */
export const MAX_VALIDITY_DAYS = 36500;

/** notBefore is set this far in the past, as Windows does, so that clocks a little behind still accept it. */
export const BACKDATE_MS = 10 * 60 * 1000;

/** Random bytes in a serial number (RFC 5280 allows up to 20 octets; CA/B Forum asks for 64+ random bits). */
export const SERIAL_BYTES = 16;

/** RFC 5280's upper bound for a CN or O (ub-common-name, ub-organization-name): 64 characters. */
export const MAX_COMMON_NAME_LENGTH = 64;

/** DNS limits (RFC 1035 2.3.4). */
export const MAX_DNS_NAME_LENGTH = 253;
export const MAX_DNS_LABEL_LENGTH = 63;

/** Generated PFX passwords have this many characters. */
export const GENERATED_PASSWORD_LENGTH = 24;

/** Iterations for the PKCS#12 key derivations and MAC (OpenSSL's default). */
export const PKCS12_ITERATIONS = 2048;

/** Longest friendly name we write (Windows shows it in one line of the certificate manager). */
export const MAX_FRIENDLY_NAME_LENGTH = 128;

/** A CA this close to expiry is warned about at preview. */
export const CA_EXPIRY_WARNING_DAYS = 180;

/**
 * Days a root must have been in the stack (staged, trusted by clients) before a server certificate moves to it, unless
 * a rotation's config says otherwise (`minStageDays`; 0 on purpose).
 */
export const DEFAULT_MIN_STAGE_DAYS = 7;

export const DAY_MS = 24 * 60 * 60 * 1000;

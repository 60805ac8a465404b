/**
 * A compact, lossless form of an RSA private key: its public exponent and two primes. Every other number of
 * the key follows from them (RFC 8017 3.2), so the form is a quarter of a PKCS#8 PEM. The CA's key travels in
 * this form as an input of every server certificate, which Pulumi stores in each certificate's state.
 */
import { createPrivateKey, KeyObject } from "node:crypto";
import { children, readTlv } from "./der-reader";

/** Version tag of the form: `rsa-pq1.<e>.<p>.<q>`, each base64url, big-endian. */
export const COMPACT_KEY_PREFIX = "rsa-pq1";

/**
 * How many primes an RSA private key has: 2, or more for a multi-prime key (RFC 8017 A.1.2: RSAPrivateKey
 * version 1 with otherPrimeInfos, as `openssl genpkey -pkeyopt rsa_keygen_primes:3` makes). Node's JWK export
 * silently drops the primes past the second, so such a key has no compact form.
 */
export function rsaPrimeCount(key: KeyObject): number {
  const der = key.export({ type: "pkcs1", format: "der" });
  const fields = children(der, readTlv(der, 0));
  const version = der[fields[0].contentStart];
  if (version === 0 || fields.length < 10) return 2;
  return 2 + children(der, fields[9]).length;
}

/** The compact form of an RSA private key (a KeyObject, or PEM in PKCS#1 or PKCS#8) with two primes. */
export function compactRsaKey(key: KeyObject | string): string {
  const object = typeof key === "string" ? createPrivateKey(key) : key;
  if (object.asymmetricKeyType !== "rsa") {
    throw new Error(`compactRsaKey: a ${object.asymmetricKeyType} key is not an RSA key`);
  }
  const primes = rsaPrimeCount(object);
  if (primes !== 2)
    throw new Error(`compactRsaKey: the key has ${primes} primes; only two-prime keys have a compact form`);
  const jwk = object.export({ format: "jwk" });
  return [COMPACT_KEY_PREFIX, jwk.e, jwk.p, jwk.q].join(".");
}

export const isCompactRsaKey = (v: unknown): v is string =>
  typeof v === "string" && v.startsWith(`${COMPACT_KEY_PREFIX}.`) && v.split(".").length === 4;

/** The private key of a compact form; throws an Error naming the problem when the form is damaged. */
export function expandRsaKey(compact: string): KeyObject {
  if (!isCompactRsaKey(compact))
    throw new Error(`not a compact RSA key (expected ${COMPACT_KEY_PREFIX}.e.p.q)`);
  const [, e64, p64, q64] = compact.split(".");
  const [e, p, q] = [e64, p64, q64].map(fromBase64Url);
  if (p <= 1n || q <= 1n || e <= 1n) throw new Error("compact RSA key: a number is out of range");
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  const d = modInverse(e, lambda);
  return createPrivateKey({
    format: "jwk",
    key: {
      kty: "RSA",
      n: toBase64Url(p * q),
      e: e64,
      d: toBase64Url(d),
      p: p64,
      q: q64,
      dp: toBase64Url(d % (p - 1n)),
      dq: toBase64Url(d % (q - 1n)),
      qi: toBase64Url(modInverse(q, p)),
    },
  });
}

function fromBase64Url(s: string): bigint {
  const hex = Buffer.from(s, "base64url").toString("hex");
  if (hex === "") throw new Error("compact RSA key: an empty number");
  return BigInt(`0x${hex}`);
}

function toBase64Url(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, "hex").toString("base64url");
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** a⁻¹ mod m (extended Euclid); throws when a and m share a factor. */
function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  if (oldR !== 1n) throw new Error("compact RSA key: e has no inverse (not an RSA key)");
  return ((oldS % m) + m) % m;
}

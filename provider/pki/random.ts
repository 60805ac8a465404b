/** Serial numbers and passwords from injected randomness. */
import { GENERATED_PASSWORD_LENGTH, SERIAL_BYTES } from "./limits";

export type RandomBytes = (size: number) => Buffer;

/**
 * A positive serial of SERIAL_BYTES bytes whose first byte is 0x40-0x7f: never negative, never padded,
 * always the same length (126 random bits).
 */
export function randomSerial(randomBytes: RandomBytes): Buffer {
  const serial = Buffer.from(randomBytes(SERIAL_BYTES));
  serial[0] = (serial[0] & 0x3f) | 0x40;
  return serial;
}

/** No look-alikes (0/O, 1/l/I): a password someone may have to type from a screen. */
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/** A random password of `length` characters (rejection sampling: every character equally likely). */
export function randomPassword(randomBytes: RandomBytes, length = GENERATED_PASSWORD_LENGTH): string {
  const limit = 256 - (256 % ALPHABET.length);
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += ALPHABET[byte % ALPHABET.length];
    }
  }
  return out;
}

/**
 * A PFX's password: the one given; else the one generated before (kept across reissues); else a new one.
 * `generated` is kept in the state so that a password given later replaces a generated one.
 */
export function pfxPasswordFor(
  given: string | undefined,
  before: { pfxPassword?: string; pfxPasswordGenerated?: boolean } | undefined,
  randomBytes: RandomBytes,
): { value: string; generated: boolean } {
  if (given !== undefined) return { value: given, generated: false };
  if (before?.pfxPasswordGenerated && before.pfxPassword)
    return { value: before.pfxPassword, generated: true };
  return { value: randomPassword(randomBytes), generated: true };
}

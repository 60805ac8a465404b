/**
 * The physical floor: N native RSA-2048 key pairs, all started at once, so that libuv's thread pool keeps every
 * core busy. Nothing else is done with the keys (no encoding).
 */
import { generateKeyPair, KeyObject } from "node:crypto";
import { timed } from "./timer";

/** Bits of each key, as the servers' default (DEFAULT_SERVER_RSA_BITS). */
export const FLOOR_RSA_BITS = 2048;

const rsaKey = (bits: number): Promise<KeyObject> =>
  new Promise((resolve, reject) =>
    generateKeyPair("rsa", { modulusLength: bits, publicExponent: 0x10001 }, (err, _pub, priv) =>
      err ? reject(err) : resolve(priv),
    ),
  );

/** Milliseconds to make n keys in parallel. */
export async function measureKeyFloor(n: number): Promise<number> {
  const { ms } = await timed(() => Promise.all(Array.from({ length: n }, () => rsaKey(FLOOR_RSA_BITS))));
  return ms;
}

/** A provider runtime environment for tests: a clock we move, real keys that we count, real randomness. */
import { randomBytes } from "node:crypto";
import { generateRsaKeyPair, KeyGenerator } from "../../provider/pki/keys";
import type { RuntimeEnv } from "../../provider/runtime/env";

export interface TestEnv extends RuntimeEnv {
  /** Keys made so far. */
  keys: number;
  setNow(iso: string): void;
  /** Makes the next key generation throw (failure injection). */
  failNextKey(): void;
}

export function testEnv(startIso = "2026-01-15T09:00:00Z"): TestEnv {
  let now = new Date(startIso);
  let failNext = false;
  const env: TestEnv = {
    keys: 0,
    now: () => ({ ok: true, now, overridden: true }),
    setNow: (iso) => {
      now = new Date(iso);
    },
    failNextKey: () => {
      failNext = true;
    },
    randomBytes,
    generateKey: (async (bits: number) => {
      if (failNext) {
        failNext = false;
        throw new Error("injected: key generation failed");
      }
      env.keys++;
      return generateRsaKeyPair(bits);
    }) as KeyGenerator,
  };
  return env;
}

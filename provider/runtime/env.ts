/** What the provider's runtime takes from the outside world: the clock, randomness and key generation. */
import { randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import { generateRsaKeyPair, KeyGenerator } from "../pki/keys";
import { NOW_VARIABLE, NowResult, resolveNow } from "./clock";
import type { RandomBytes } from "../pki/random";
import { CheckFailure } from "../validate/fields";

export interface RuntimeEnv {
  /** "Now": the machine's clock unless XPROTECT_CERTS_NOW says otherwise. */
  now(): NowResult;
  generateKey: KeyGenerator;
  randomBytes: RandomBytes;
}

/** When set, each key generation appends a line (time and size, nothing secret) to this file. */
export const KEYLOG_VARIABLE = "XPROTECT_CERTS_KEYLOG";

export const systemEnv = (): RuntimeEnv => ({
  now: () => resolveNow(process.env),
  generateKey: async (bits) => {
    const pair = await generateRsaKeyPair(bits);
    const log = process.env[KEYLOG_VARIABLE];
    if (log) appendFileSync(log, `${new Date().toISOString()} rsa ${bits}\n`);
    return pair;
  },
  randomBytes,
});

/** The time to act at; a malformed override is an error (check reports it as a failure first). */
export function nowOf(env: RuntimeEnv): Date {
  const r = env.now();
  if (!r.ok) throw new Error(r.reason);
  return r.now;
}

/** check() adds this failure when XPROTECT_CERTS_NOW is malformed. */
export function clockFailures(env: RuntimeEnv): CheckFailure[] {
  const r = env.now();
  return r.ok ? [] : [{ property: NOW_VARIABLE, reason: r.reason }];
}

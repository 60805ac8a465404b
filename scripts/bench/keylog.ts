/**
 * Counts the keys the provider makes: with XPROTECT_CERTS_KEYLOG=<file> set, the provider runtime appends one
 * line per RSA key it generates (in this process, or in the engine's provider process).
 */
import { existsSync, readFileSync } from "node:fs";

/** The provider's variable (provider/runtime/env.ts KEYLOG_VARIABLE). */
export const KEYLOG_VARIABLE = "XPROTECT_CERTS_KEYLOG";

/** Lines (keys) in the log so far; 0 when it does not exist yet. */
export const keysLogged = (file: string): number =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;

/** Runs fn with the key log variable set in this process (for the provider runtime loaded here). */
export async function withKeylog<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env[KEYLOG_VARIABLE];
  process.env[KEYLOG_VARIABLE] = file;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env[KEYLOG_VARIABLE];
    else process.env[KEYLOG_VARIABLE] = before;
  }
}

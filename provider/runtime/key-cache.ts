/** A cache is process state, so it lives in the runtime and not in the certificate core (pki/). */
import type { KeyObject } from "node:crypto";
import { expandRsaKey } from "../pki/compact-key";

const expanded = new Map<string, KeyObject>();
/** expandRsaKey, once per process per key: every certificate a CA signs in one run shares the parse. */
export function expandRsaKeyCached(compact: string): KeyObject {
  let key = expanded.get(compact);
  if (!key) {
    key = expandRsaKey(compact);
    if (expanded.size > 64) expanded.clear();
    expanded.set(compact, key);
  }
  return key;
}

/**
 * Every secret the state holds, found by the engine's own marking rather than by a list of names: wherever the
 * stored export has an encrypted secret, the decrypted export's value at the same place is a secret. So a secret
 * form added later (a new output, a new key encoding) is covered without changing the tests.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** The engine's mark of a secret value in an exported state. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Text a leaked secret would show: the whole value, and for long ones fragments and the parts of a compact key. */
function forms(value: unknown, out: Set<string>): void {
  if (typeof value === "string") {
    if (value.length < 8) return; // too short to search for without false hits (e.g. "true")
    out.add(value);
    if (value.length > 200) out.add(value.slice(100, 160));
    if (value.startsWith("rsa-pq1."))
      for (const part of value.split(".").slice(2)) out.add(part.slice(0, 48));
    if (value.includes("PRIVATE KEY")) out.add("PRIVATE KEY");
    return;
  }
  if (Array.isArray(value)) value.forEach((v) => forms(v, out));
  else if (typeof value === "object" && value !== null) Object.values(value).forEach((v) => forms(v, out));
}

/** The secrets of a state: `stored` as exported (ciphertext), `decrypted` with --show-secrets. */
export function secretsOf(stored: unknown, decrypted: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (s: unknown, d: unknown): void => {
    if (typeof s !== "object" || s === null) return;
    if (SECRET_SIG in s) {
      // Decrypted (--show-secrets), a secret is {sig, plaintext: its JSON}.
      const plaintext = (d as { plaintext?: unknown } | undefined)?.plaintext;
      forms(typeof plaintext === "string" ? JSON.parse(plaintext) : d, out);
      return;
    }
    for (const [k, v] of Object.entries(s)) walk(v, (d as Record<string, unknown> | undefined)?.[k]);
  };
  walk(stored, decrypted);
  return out;
}

/** Every file under a folder (a file backend: stacks, backups, history). */
export function filesUnder(dir: string): string[] {
  const files: string[] = [];
  const walk = (d: string) =>
    readdirSync(d).forEach((f) =>
      statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : files.push(join(d, f)),
    );
  walk(dir);
  return files;
}

/** Where each secret leaks in plain text: the exported state and every file of the backend. */
export function plaintextLeaks(secrets: Set<string>, exported: string, backendDir: string): string[] {
  const places: Array<[string, string]> = [
    ["exported state", exported],
    ...filesUnder(backendDir).map((f): [string, string] => [f, readFileSync(f, "latin1")]),
  ];
  const leaks: string[] = [];
  for (const [where, text] of places)
    for (const s of secrets) if (text.includes(s)) leaks.push(`${where}: ${s.slice(0, 24)}...`);
  return leaks;
}

/** Refresh (`read`): what is stored is recomputed from the certificate itself, and a difference is reported. */

/** The names of the fields of `stored` that differ from `recomputed` (only the fields recomputed). */
export function mismatches(stored: object, recomputed: Record<string, unknown>): string[] {
  const s = stored as Record<string, unknown>;
  return Object.keys(recomputed).filter((k) => JSON.stringify(s[k]) !== JSON.stringify(recomputed[k]));
}

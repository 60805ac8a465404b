/** Helpers for reading parsed JSON of unknown shape. Pure. */

/** A JSON object: not null, not an array. */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A value as a message shows it: JSON (strings quoted), `undefined` as such. */
export const shown = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** The value of `key` in `obj` as a message shows it; `missing` when the key is absent. */
export const shownField = (obj: Record<string, unknown>, key: string): string =>
  key in obj ? shown(obj[key]) : "missing";

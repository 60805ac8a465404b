/** The plain JSON a dynamic provider receives and returns: comparing inputs, echoing old outputs. */

/** Plain-JSON equality for the inputs we compare (strings, numbers, booleans, lists). */
export const same = (a: unknown, b: unknown): boolean =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Removes the host's own property before we echo old outputs. */
export function withoutProvider<T extends object>(props: T): T {
  const copy = { ...props } as T & { __provider?: unknown };
  delete copy.__provider;
  return copy;
}

/**
 * A dynamic resource's outputs must be passed to its constructor as properties set to undefined; this makes
 * them from the names, so that each resource lists its outputs once.
 */
export const outputProps = (...names: string[]): Record<string, undefined> =>
  Object.fromEntries(names.map((n) => [n, undefined]));

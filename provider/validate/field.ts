/**
 * A resource's fields as data: each input once, with what its change does, its default, its check, and whether a
 * site's `defaults` may set it. The resource's Args type, the provider's defaults and diff lists, the echoed
 * outputs and the site config's setting keys are all derived from a resource's table (provider/<kind>/fields.ts).
 */
import type { Checker } from "./fields";

/**
 * What a change of the input does.
 * - reissue: a new certificate (and key);
 * - pfx: only a new PFX around the same key and certificate;
 * - echo: nothing to the certificate (kept in the outputs, which diff compares: e.g. renewBeforeDays);
 * - secret: an input the engine must encrypt; never echoed into the outputs;
 * - input: read by the provider only (e.g. a certificate signed elsewhere, compared with the outputs); never echoed.
 */
export type Effect = "reissue" | "pfx" | "echo" | "secret" | "input";

/** One input of a resource; `T` is its value once checked, `E` what its change does. */
export interface Field<T, E extends Effect = Effect> {
  effect: E;
  /** The value when the input is left out (none: required, or left out of the inputs). */
  default?: T;
  /** True when a site's `defaults` (and each server) may set it (the site config's setting keys): see {@link setting}. */
  setting?: true;
  /** Checks a value the engine sent (any JSON, or unknown at preview) and returns it normalised. */
  check: (c: Checker, value: unknown, property: string) => T;
}

type Spec<T> = Omit<Field<T>, "effect" | "setting">;
/** A field whose change reissues the certificate; the type parameter is the checked value's type. */
export const reissue = <T>(f: Spec<T>): Field<T, "reissue"> => ({ ...f, effect: "reissue" });
/** A field whose change rebuilds only the PFX. */
export const pfx = <T>(f: Spec<T>): Field<T, "pfx"> => ({ ...f, effect: "pfx" });
/** A field whose change does nothing to the certificate (echoed into the outputs). */
export const echo = <T>(f: Spec<T>): Field<T, "echo"> => ({ ...f, effect: "echo" });
/** A secret input: encrypted by the engine, never echoed. */
export const secret = <T>(f: Spec<T>): Field<T, "secret"> => ({ ...f, effect: "secret" });
/** An input only the provider reads: neither echoed nor secret. */
export const input = <T>(f: Spec<T>): Field<T, "input"> => ({ ...f, effect: "input" });

/** Marks a field as a setting a site's `defaults` (and each server) may set. */
export const setting = <F extends Field<unknown, Effect>>(f: F): F & { setting: true } => ({
  ...f,
  setting: true,
});

/** The checked value type of each field of a table. */
export type ValuesOf<F> = { [K in keyof F]: F[K] extends Field<infer T, Effect> ? T : never };

/** The names of a table's fields with one of the effects `E`. */
export type KeysWith<F, E extends Effect> = {
  [K in keyof F]: F[K] extends Field<unknown, infer X> ? (X extends E ? K : never) : never;
}[keyof F] &
  string;

/** The names of a table's fields with one of the given effects, in the table's order. */
export function fieldsWith<F extends Record<string, Field<unknown>>, E extends Effect>(
  fields: F,
  ...effects: E[]
): KeysWith<F, E>[] {
  return Object.keys(fields).filter((k) => (effects as Effect[]).includes(fields[k].effect)) as KeysWith<
    F,
    E
  >[];
}

/** The names of a table's settings (fields marked with {@link setting}). */
export type SettingKeys<F> = { [K in keyof F]: F[K] extends { setting: true } ? K : never }[keyof F] & string;

/** The names of a table's fields that a site's `defaults` may set, in the table's order. */
export const settingKeysOf = <F extends Record<string, Field<unknown>>>(fields: F): SettingKeys<F>[] =>
  Object.keys(fields).filter((k) => fields[k].setting === true) as SettingKeys<F>[];

/** Checks every field of a table in `news`, in the table's order; the checked values (defaults applied). */
export function checkFields<F extends Record<string, Field<unknown>>>(
  c: Checker,
  fields: F,
  news: Record<string, unknown>,
): ValuesOf<F> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) {
    const value = f.check(c, news[name], name);
    if (value !== undefined) out[name] = value;
  }
  return out as ValuesOf<F>;
}

/**
 * Field checks shared by the resources' validators. Each appends {property, reason} failures (the reason
 * names the value and the fix) and returns the normalised value, or the default when the field is absent.
 */
import type { Normalised } from "../pki/names";

/** A problem with one input: `reason` names the value and the fix, without the property's name. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * Failures as the engine shows them, each reason led by its property ("rsaBits: 1024 is not allowed: ..."): the
 * providers' check answers with these. Programs map the bare reasons to their own names (the site config's paths).
 */
export const forEngine = (failures: CheckFailure[]): CheckFailure[] =>
  failures.map((f) => ({ property: f.property, reason: `${f.property}: ${f.reason}` }));

/** What the engine sends for a value not known until apply (preview only). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/** A short, safe description of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list (${JSON.stringify(value).slice(0, 40)})`;
  if (typeof value === "object") return `an object (${JSON.stringify(value).slice(0, 40)})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** A normaliser of text (pki's names) made to take any JSON value: what is not a string is refused as `what`. */
export const textItem =
  (what: string, normalise: (text: string) => Normalised) =>
  (value: unknown): Normalised =>
    typeof value === "string"
      ? normalise(value)
      : { ok: false, reason: `${describeValue(value)} is not ${what} (expected a string)` };

export class Checker {
  readonly failures: CheckFailure[] = [];

  fail(property: string, reason: string): void {
    this.failures.push({ property, reason });
  }

  integer(
    property: string,
    value: unknown,
    opts: { min: number; max: number; default: number; limitName?: string },
  ): number {
    if (value === undefined || value === null) return opts.default;
    if (isUnknown(value)) return value as unknown as number;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.fail(
        property,
        `${describeValue(value)} is not a whole number: give a number such as ${opts.default}`,
      );
      return opts.default;
    }
    if (value < opts.min || value > opts.max) {
      const range = `from ${opts.min} to ${opts.max}${opts.limitName ? ` (${opts.limitName})` : ""}`;
      this.fail(property, `${value} is out of range: give a whole number ${range}`);
    }
    return value;
  }

  oneOf<T extends string | number>(property: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (value === undefined || value === null) return fallback;
    if (isUnknown(value)) return value as T;
    if (!allowed.includes(value as T)) {
      const shown =
        typeof value === "string" || typeof value === "number" ? JSON.stringify(value) : describeValue(value);
      this.fail(
        property,
        `${shown} is not allowed: use one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
      );
      return fallback;
    }
    return value as T;
  }

  boolean(property: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined || value === null) return fallback;
    if (isUnknown(value)) return value as unknown as boolean;
    if (typeof value !== "boolean") {
      this.fail(property, `${describeValue(value)} is not true or false`);
      return fallback;
    }
    return value;
  }

  /** A non-empty string of at most maxLength characters, no control characters. */
  text(
    property: string,
    value: unknown,
    opts: { default?: string; maxLength: number; example: string },
  ): string | undefined {
    if (value === undefined || value === null) return opts.default;
    if (isUnknown(value)) return value as string;
    if (typeof value !== "string" || value.trim() === "") {
      this.fail(property, `${describeValue(value)} is not a non-empty text: give e.g. "${opts.example}"`);
      return opts.default;
    }
    if (/[\x00-\x1f\x7f]/.test(value)) {
      this.fail(property, `${JSON.stringify(value)} contains control characters`);
    } else if (value.length > opts.maxLength) {
      this.fail(
        property,
        `"${value.slice(0, 20)}..." is ${value.length} characters long; at most ${opts.maxLength} are allowed`,
      );
    }
    return value;
  }

  /** A list whose elements are normalised one by one; repeats (after normalisation) are failures. */
  list(
    property: string,
    value: unknown,
    opts: {
      min: number;
      normalise: (v: unknown) => { ok: true; value: string } | { ok: false; reason: string };
    },
  ): string[] {
    if (value === undefined || value === null) value = [];
    if (isUnknown(value)) return value as unknown as string[];
    if (!Array.isArray(value)) {
      this.fail(property, `${describeValue(value)} is not a list: write it as a list, e.g. ["a", "b"]`);
      return [];
    }
    if (value.length < opts.min) this.fail(property, `the list is empty: give at least ${opts.min}`);
    const out: string[] = [];
    const seen = new Map<string, number>();
    value.forEach((item, i) => {
      if (isUnknown(item)) {
        out.push(item as string);
        return;
      }
      const n = opts.normalise(item);
      if (!n.ok) {
        this.fail(`${property}[${i}]`, n.reason);
        return;
      }
      const first = seen.get(n.value);
      if (first !== undefined) {
        this.fail(`${property}[${i}]`, `"${n.value}" repeats ${property}[${first}]: list each once`);
        return;
      }
      seen.set(n.value, i);
      out.push(n.value);
    });
    return out;
  }
}

/**
 * The rules for single fields of the outputs, each with one message. A {@link FieldReader} checks fields of a
 * parsed object and collects every problem, each naming its path in the outputs. Pure.
 */
import { isRecord, shownField } from "./json";
import { HEX, ISO_TIME, SECRET_PLACEHOLDER, THUMBPRINT } from "./outputs";

/** A problem with the outputs, naming the field. */
export interface ContractProblem {
  /** Path in the outputs, e.g. `servers.rec01.notAfter`; `outputs` for the whole object. */
  field: string;
  reason: string;
}

/** A checked value, or every problem found. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: ContractProblem[] };

/** A time as the outputs give it, and parsed. */
export interface OutputTime {
  /** As written in the outputs, e.g. `2027-01-02T18:04:54Z`. */
  text: string;
  /** Milliseconds since the epoch. */
  ms: number;
}

/** `a.b` or `b` when the parent is the top level (""). */
export const pathOf = (at: string, key: string): string => (at === "" ? key : `${at}.${key}`);

/** Checks fields and collects the problems. `reader` names the command in messages ("renewals", "bundle"). */
export class FieldReader {
  readonly problems: ContractProblem[] = [];

  constructor(private readonly reader: string) {}

  problem(field: string, reason: string): void {
    this.problems.push({ field, reason });
  }

  /** A non-empty string. */
  text(obj: Record<string, unknown>, key: string, at: string): string | undefined {
    const v = obj[key];
    if (typeof v === "string" && v !== "") return v;
    this.problem(pathOf(at, key), `${shownField(obj, key)}: expected a non-empty string`);
    return undefined;
  }

  /** An ISO 8601 time, in clear. */
  time(obj: Record<string, unknown>, key: string, at: string): OutputTime | undefined {
    const v = obj[key];
    const field = pathOf(at, key);
    if (v === SECRET_PLACEHOLDER) {
      this.problem(
        field,
        `is secret ("${SECRET_PLACEHOLDER}"): ${this.reader} needs it in clear; it is not secret in this project's outputs`,
      );
      return undefined;
    }
    const ms = typeof v === "string" && ISO_TIME.test(v) ? Date.parse(v) : NaN;
    if (Number.isNaN(ms)) {
      this.problem(field, `${shownField(obj, key)} is not an ISO 8601 UTC time such as 2027-01-02T10:00:00Z`);
      return undefined;
    }
    return { text: v as string, ms };
  }

  /** A thumbprint: 40 upper-case hex digits. */
  thumbprint(obj: Record<string, unknown>, key: string, at: string): string | undefined {
    const v = obj[key];
    if (typeof v === "string" && THUMBPRINT.test(v)) return v;
    this.problem(pathOf(at, key), `${shownField(obj, key)} is not 40 upper-case hex digits`);
    return undefined;
  }

  /** A list of strings. */
  strings(obj: Record<string, unknown>, key: string, at: string): string[] | undefined {
    const v = obj[key];
    if (Array.isArray(v) && v.every((s) => typeof s === "string")) return [...(v as string[])];
    this.problem(pathOf(at, key), `${shownField(obj, key)} is not a list of strings`);
    return undefined;
  }

  /** An object (a map or an entry), or a problem saying what was expected. */
  record(
    obj: Record<string, unknown>,
    key: string,
    at: string,
    expected: string,
  ): Record<string, unknown> | undefined {
    const v = obj[key];
    if (isRecord(v)) return v;
    this.problem(pathOf(at, key), `${shownField(obj, key)}: expected ${expected}`);
    return undefined;
  }
}

/** Upper-case hex, or undefined when absent, hidden or anything else: for values only shown, never relied on. */
export const hexOrUndefined = (v: unknown): string | undefined =>
  typeof v === "string" && HEX.test(v) ? v : undefined;

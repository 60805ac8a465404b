/**
 * XProtectSite's arguments as the site checks see them (provider/site/config.ts takes plain data): a value not
 * known yet (an output or a promise; a list's elements too) becomes UNKNOWN, which every check passes on to the
 * providers' own check at preview. What decides which resources exist must be plain: an output there is a failure
 * naming the field. Afterwards, {@link given} hands the resources the program's own input wherever the checks only
 * saw UNKNOWN, and the checked (normalised) value everywhere else.
 */
import * as pulumi from "@pulumi/pulumi";
import { isRecord } from "../contract";
import { UNKNOWN } from "../validate/fields";
import type { SiteFailure } from "./config";

/** An output or a promise: its value is not known while the program registers the site. */
export const isPending = (v: unknown): boolean =>
  pulumi.Output.isInstance(v) ||
  (typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function");

/** True when the checks saw `v` as (partly) unknown: an output or promise, or a list holding one. */
export const unknownIn = (v: unknown): boolean => isPending(v) || (Array.isArray(v) && v.some(isPending));

/** An input as the checks see it: pending values (and pending list elements) as UNKNOWN. */
export const knownView = (v: unknown): unknown =>
  isPending(v) ? UNKNOWN : Array.isArray(v) ? v.map((e) => (isPending(e) ? UNKNOWN : e)) : v;

const PLAIN_REASON =
  "is an output (or a promise), but it decides which resources the site has and is checked across the site " +
  "before anything is registered: give a plain value";

/**
 * The site's shape for parseSite (without `pfxPasswords` and `adopt`, which the component reads as secrets), and
 * a failure for each plain field given an output.
 */
export function siteView(args: Record<string, unknown>): {
  raw: Record<string, unknown>;
  plain: SiteFailure[];
} {
  const plain: SiteFailure[] = [];
  const needPlain = (v: unknown, field: string, server?: string): unknown => {
    if (!unknownIn(v)) return v;
    plain.push({ field, reason: PLAIN_REASON, server });
    return UNKNOWN;
  };
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (["pfxPasswords", "adopt", "acmeEabHmacKey", "projectDir"].includes(key)) continue;
    const v = needPlain(value, key);
    if (key === "ca" || key === "nextCa") {
      raw[key] = mapValues(v, (x, field) =>
        field === "generation" ? needPlain(x, `${key}.generation`) : knownView(x),
      );
    } else if (key === "defaults") raw[key] = mapValues(v, knownView);
    else if (key === "servers") {
      raw[key] = mapValues(v, (server, name) =>
        mapValues(needPlain(server, `servers.${name}`, name), (x, field) =>
          field === "role" || field === "slots" || field === "clusterNodes"
            ? needPlain(x, `servers.${name}.${field}`, name)
            : knownView(x),
        ),
      );
    } else raw[key] = v; // issueFrom, minStageDays (checked plain above), unknown keys (parseSite names them)
  }
  return { raw, plain };
}

/**
 * The value to register: the program's own input where the checks saw it as unknown (the provider checks and
 * normalises it at preview), else the checked value.
 */
export const given = <T>(input: unknown, checked: T): T => (unknownIn(input) ? (input as T) : checked);

/** Each checked entry replaced by {@link given} with the program's input of the same key. */
export function givenAll<T extends object>(inputs: Record<string, unknown> | undefined, checked: T): T {
  return Object.fromEntries(Object.entries(checked).map(([k, v]) => [k, given(inputs?.[k], v)])) as T;
}

/** Failures of parseSite about a field already reported as a plain field given an output (or inside it) dropped. */
export const withoutPlainFields = (failures: SiteFailure[], plain: SiteFailure[]): SiteFailure[] =>
  failures.filter(
    (f) =>
      !plain.some(
        (p) => f.field === p.field || f.field.startsWith(`${p.field}.`) || f.field.startsWith(`${p.field}[`),
      ),
  );

function mapValues(v: unknown, f: (value: unknown, key: string) => unknown): unknown {
  if (!isRecord(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, f(x, k)]));
}

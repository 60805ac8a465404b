/**
 * "Now", from the machine's clock or from XPROTECT_CERTS_NOW (to preview a future date, or to test renewals).
 * The one place that knows the variable: the certificate core (pki/) takes the time as a parameter.
 */

export const NOW_VARIABLE = "XPROTECT_CERTS_NOW";

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export type NowResult = { ok: true; now: Date; overridden: boolean } | { ok: false; reason: string };

/** Reads the override from an environment; when absent the system clock answers. */
export function resolveNow(
  env: Record<string, string | undefined>,
  systemNow: () => Date = () => new Date(),
): NowResult {
  const raw = env[NOW_VARIABLE];
  if (raw === undefined || raw === "") return { ok: true, now: systemNow(), overridden: false };
  const parsed = ISO_8601.test(raw.trim()) ? Date.parse(raw.trim()) : NaN;
  if (Number.isNaN(parsed)) {
    return {
      ok: false,
      reason: `${NOW_VARIABLE}="${raw}" is not an ISO 8601 time: use e.g. 2027-06-01 or 2027-06-01T12:00:00Z, or unset it to use the clock`,
    };
  }
  return { ok: true, now: new Date(parsed), overridden: true };
}

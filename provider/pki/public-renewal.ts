/**
 * When a certificate from a public (ACME) CA is due. Pure: the facts and the time are passed in.
 *
 * `renewBeforeDays` before notAfter, but never before two thirds of the lifetime have passed: a short-lived
 * certificate (47 days from 2029) would otherwise be due the moment it is issued, and every `up` would order a new
 * one, which is how sites hit a CA's rate limits. Where the CA suggested a renewal window (ACME Renewal
 * Information, RFC 9773), the start of that window.
 */

export type PublicRenewalBasis = "renewBeforeDays" | "twoThirdsOfLifetime" | "renewalInfo";

export interface PublicRenewal {
  renewalDue: string;
  /** Which rule set renewalDue. */
  renewalBasis: PublicRenewalBasis;
}

export function publicRenewalDue(p: {
  notBefore: string;
  notAfter: string;
  renewBeforeDays: number;
  /** The CA's suggested window (RFC 9773), when it gave one. */
  suggestedWindow?: { start: string; end: string };
}): PublicRenewal {
  const from = Date.parse(p.notBefore);
  const to = Date.parse(p.notAfter);
  if (p.suggestedWindow) {
    const start = Date.parse(p.suggestedWindow.start);
    if (Number.isFinite(start) && start > from && start < to) {
      return { renewalDue: new Date(start).toISOString(), renewalBasis: "renewalInfo" };
    }
  }
  const byDays = to - p.renewBeforeDays * 86_400_000;
  const twoThirds = from + Math.round(((to - from) * 2) / 3);
  return byDays >= twoThirds
    ? { renewalDue: new Date(byDays).toISOString(), renewalBasis: "renewBeforeDays" }
    : { renewalDue: new Date(twoThirds).toISOString(), renewalBasis: "twoThirdsOfLifetime" };
}

/**
 * Renewal arithmetic: when a certificate is due, and whether reissuing it now would help. Pure: the time and
 * the facts are passed in.
 */
import { DAY_MS } from "./limits";

/** A CA that would leave a new certificate less than this is refused at check (MIN_CERTIFICATE_LIFETIME_MS). */
export const MIN_CERTIFICATE_LIFETIME_MS = DAY_MS;

/** notAfter minus renewBeforeDays, as ISO 8601: from then on `pulumi up` reissues (with autoRenew). */
export const renewalDueOf = (notAfter: string, renewBeforeDays: number): string =>
  new Date(Date.parse(notAfter) - renewBeforeDays * DAY_MS).toISOString();

/** Whether a certificate ending at `notAfter` is inside its renewal window at `now`. */
export const isDue = (notAfter: string, renewBeforeDays: number, now: Date): boolean =>
  now.getTime() >= Date.parse(notAfter) - renewBeforeDays * DAY_MS;

/** Whole days from `now` to `when` (negative once past), rounded down. */
export const daysLeft = (when: string, now: Date): number =>
  Math.floor((Date.parse(when) - now.getTime()) / DAY_MS);

/** Whole days from `now` to a later `when`, rounded up: the N of "in N days". */
export const daysAhead = (when: string, now: Date): number =>
  Math.ceil((Date.parse(when) - now.getTime()) / DAY_MS);

/** Whether `when` comes at or before `days` days after `now` (already past included). */
export const isWithinDays = (when: string, days: number, now: Date): boolean =>
  Date.parse(when) <= now.getTime() + days * DAY_MS;

/**
 * The notAfter a certificate issued at `now` would get: `validityDays` later, to the second, but never past the
 * issuing CA's notAfter (undefined when not known, e.g. at a preview while the CA itself is created).
 */
export function reissueNotAfter(now: Date, validityDays: number, caNotAfter: string | undefined): number {
  const wanted = Math.floor((now.getTime() + validityDays * DAY_MS) / 1000) * 1000;
  if (caNotAfter === undefined) return wanted;
  return Math.min(wanted, Math.floor(Date.parse(caNotAfter) / 1000) * 1000);
}

/**
 * Whether the clock should reissue: the certificate is due and a reissue now would end later than it does. A
 * certificate already cut short to end with its CA is due for good, and reissuing it again and again would make
 * new keys and thumbprints for nothing: only a new CA helps it.
 */
export function renewalHelps(p: {
  notAfter: string;
  renewBeforeDays: number;
  validityDays: number;
  caNotAfter: string | undefined;
  now: Date;
}): boolean {
  if (!isDue(p.notAfter, p.renewBeforeDays, p.now)) return false;
  return reissueNotAfter(p.now, p.validityDays, p.caNotAfter) > Date.parse(p.notAfter);
}

/** Due, but held back by the CA's end: what the preview warns about. */
export function renewalBlockedByCa(p: Parameters<typeof renewalHelps>[0]): boolean {
  return isDue(p.notAfter, p.renewBeforeDays, p.now) && !renewalHelps(p);
}

/** Which certificates are due for renewal within a window. Pure: "now" is passed in. */
import type { OutputTime, ServerCertificateInfo, SiteCertificates } from "./outputs";

export const DAY_MS = 86_400_000;
/** The CA is listed when it expires within this many days (or the window, if longer). */
export const CA_WARNING_DAYS = 180;

/** A server whose certificate is due. */
export interface DueServer {
  server: string;
  hostname: string;
  role: string;
  thumbprint?: string;
  serialNumber?: string;
  notAfter: OutputTime;
  renewalDue: OutputTime;
  /** Whole days from now to notAfter, rounded down; negative once expired. */
  daysLeft: number;
  /** Why it is listed, e.g. "renewal due since 2027-01-01" or "expired on 2027-02-01". */
  reason: string;
  /** expired: notAfter has passed; due: renewalDue has passed or falls within the window. */
  status: "expired" | "due";
}

/** The CA's place in the report. */
export interface CaStatus {
  thumbprint?: string;
  notAfter: OutputTime;
  daysLeft: number;
  /** True when it expires within max(180, window) days. */
  due: boolean;
  /** The window it was checked against, in days. */
  warningDays: number;
}

/** What is due. */
export interface RenewalReport {
  now: Date;
  withinDays: number;
  /** Sorted by expiry, then server name. */
  due: DueServer[];
  /** The servers not due within the window. */
  notDue: ServerCertificateInfo[];
  ca: CaStatus;
}

/** Parameters of {@link findDue}. */
export interface FindDueParams {
  site: SiteCertificates;
  /** The time to judge at (the clock, or XPROTECT_CERTS_NOW). */
  now: Date;
  /** Window in days: what is due or expires before now + withinDays is listed; 0 = only what is due now. */
  withinDays: number;
}

const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const inDays = (n: number): string => (n === 0 ? "today" : n === 1 ? "in 1 day" : `in ${n} days`);

/** Whole days from `now` to `ms`, rounded down. */
export const daysUntil = (ms: number, now: Date): number => Math.floor((ms - now.getTime()) / DAY_MS);

/** Whole days from `t` to a later `ms`, rounded up (for "in N days"). */
const daysAhead = (ms: number, t: number): number => Math.ceil((ms - t) / DAY_MS);

/** The servers whose renewalDue or notAfter falls before now + withinDays, and the CA's status. */
export function findDue({ site, now, withinDays }: FindDueParams): RenewalReport {
  const t = now.getTime();
  const horizon = t + withinDays * DAY_MS;
  const due: DueServer[] = [];
  const notDue: ServerCertificateInfo[] = [];
  for (const s of site.servers) {
    const reason = reasonOf(s, t, horizon);
    if (!reason) {
      notDue.push(s);
      continue;
    }
    due.push({
      server: s.server,
      hostname: s.hostname,
      role: s.role,
      thumbprint: s.thumbprint,
      serialNumber: s.serialNumber,
      notAfter: s.notAfter,
      renewalDue: s.renewalDue,
      daysLeft: daysUntil(s.notAfter.ms, now),
      reason,
      status: s.notAfter.ms <= t ? "expired" : "due",
    });
  }
  due.sort((a, b) => a.notAfter.ms - b.notAfter.ms || a.server.localeCompare(b.server));
  const warningDays = Math.max(CA_WARNING_DAYS, withinDays);
  const ca: CaStatus = {
    thumbprint: site.ca.thumbprint,
    notAfter: site.ca.notAfter,
    daysLeft: daysUntil(site.ca.notAfter.ms, now),
    due: site.ca.notAfter.ms <= t + warningDays * DAY_MS,
    warningDays,
  };
  return { now, withinDays, due, notDue, ca };
}

function reasonOf(s: ServerCertificateInfo, t: number, horizon: number): string | undefined {
  const notAfter = s.notAfter.ms;
  const renewal = s.renewalDue.ms;
  if (notAfter <= t) return `expired on ${dateOf(notAfter)}`;
  if (renewal <= t) return `renewal due since ${dateOf(renewal)}`;
  if (renewal <= horizon) return `renewal due on ${dateOf(renewal)} (${inDays(daysAhead(renewal, t))})`;
  if (notAfter <= horizon) return `expires on ${dateOf(notAfter)} (${inDays(daysAhead(notAfter, t))})`;
  return undefined;
}

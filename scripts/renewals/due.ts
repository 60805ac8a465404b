/** Which certificates are due for renewal within a window. Pure: "now" is passed in. */
import type {
  OutputTime,
  PendingRequest,
  ServerCertificateInfo,
  TrustedCaStatus,
} from "../../provider/contract";
import { CA_EXPIRY_WARNING_DAYS } from "../../provider/pki/limits";
import { DAY_MS } from "../../provider/pki/limits";
import { daysAhead, daysLeft, isWithinDays, reissueNotAfter } from "../../provider/pki/renewal";
import type { RenewalSite } from "./outputs";
import { nextStep, NextStep, Rotation, ROTATION_README } from "./roots";

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
  /**
   * True when a reissue could not end later than this certificate does: it already ends with the root that issues
   * it (it was cut short to the root's end). A generation bump would only make a new key and thumbprint, again at
   * every run; a root rotation renews it. --apply does not bump it.
   */
  heldBackByRoot?: boolean;
  /** A clustered management server's identity provider certificate (no generation to bump: `up` renews it). */
  identityProvider?: true;
  /** A server's public certificate from the ACME CA (no generation to bump: `up` orders a new one). */
  publicCertificate?: true;
}

/** The CA's place in the report. */
export interface CaStatus {
  thumbprint?: string;
  notAfter: OutputTime;
  daysLeft: number;
  /** True when it expires within max(CA_EXPIRY_WARNING_DAYS (180), window) days. */
  due: boolean;
  /** The window it was checked against, in days. */
  warningDays: number;
}

/** A trusted root in the report. */
export interface RootStatus {
  thumbprint?: string;
  notAfter: OutputTime;
  daysLeft: number;
  status: TrustedCaStatus;
}

/** What is due. */
export interface RenewalReport {
  now: Date;
  withinDays: number;
  /** Sorted by expiry, then server name. */
  due: DueServer[];
  /** The servers not due within the window. */
  notDue: ServerCertificateInfo[];
  /** The active root (the one that issues). */
  ca: CaStatus;
  /** Every trusted root: previous, active, next. */
  roots: RootStatus[];
  rotation: Rotation;
  /** The rotation step to take next; undefined when none is due. */
  nextStep?: NextStep;
  /** Requests waiting for an enterprise CA's signature (issuer external). */
  pending?: PendingRequest[];
}

/** Parameters of {@link findDue}. */
export interface FindDueParams {
  site: RenewalSite;
  /** The time to judge at (the clock, or XPROTECT_CERTS_NOW). */
  now: Date;
  /** Window in days: what is due or expires before now + withinDays is listed; 0 = only what is due now. */
  withinDays: number;
}

const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const inDays = (n: number): string => (n === 0 ? "today" : n === 1 ? "in 1 day" : `in ${n} days`);

/** The servers whose renewalDue or notAfter falls before now + withinDays, and the CA's status. */
export function findDue({ site, now, withinDays }: FindDueParams): RenewalReport {
  const due: DueServer[] = [];
  const notDue: ServerCertificateInfo[] = [];
  for (const s of site.servers) {
    const reason = reasonOf(s, now, withinDays);
    if (!reason) {
      notDue.push(s);
      continue;
    }
    const heldBack = heldBackByRoot(s, site.ca.notAfter.text, now);
    due.push({
      server: s.server,
      hostname: s.hostname,
      role: s.role,
      thumbprint: s.thumbprint,
      serialNumber: s.serialNumber,
      notAfter: s.notAfter,
      renewalDue: s.renewalDue,
      daysLeft: daysLeft(s.notAfter.text, now),
      reason: heldBack ? `${reason}; ${heldBackReason(site.ca)}` : reason,
      status: isWithinDays(s.notAfter.text, 0, now) ? "expired" : "due",
      ...(heldBack ? { heldBackByRoot: true } : {}),
      ...(s.identityProvider ? { identityProvider: true as const } : {}),
      ...(s.publicCertificate ? { publicCertificate: true as const } : {}),
    });
  }
  due.sort((a, b) => a.notAfter.ms - b.notAfter.ms || a.server.localeCompare(b.server));
  const warningDays = Math.max(CA_EXPIRY_WARNING_DAYS, withinDays);
  const ca: CaStatus = {
    thumbprint: site.ca.thumbprint,
    notAfter: site.ca.notAfter,
    daysLeft: daysLeft(site.ca.notAfter.text, now),
    due: isWithinDays(site.ca.notAfter.text, warningDays, now),
    warningDays,
  };
  const roots = site.roots.map((r) => ({ ...r, daysLeft: daysLeft(r.notAfter.text, now) }));
  const step = nextStep({ rotation: site.rotation, caDue: ca.due, roots });
  return {
    now,
    withinDays,
    due,
    notDue,
    ca,
    roots,
    rotation: site.rotation,
    nextStep: step,
    pending: site.pending ?? [],
  };
}

/**
 * Whether a reissue now could not end later than the certificate does: the arithmetic of the provider's clock
 * (reissueNotAfter, as renewalHelps uses it), with the certificate's own validity and the issuing root's end.
 */
function heldBackByRoot(s: ServerCertificateInfo, rootNotAfter: string, now: Date): boolean {
  const validityDays = (s.notAfter.ms - s.notBefore.ms) / DAY_MS;
  return reissueNotAfter(now, validityDays, rootNotAfter) <= s.notAfter.ms;
}

const heldBackReason = (root: { thumbprint?: string; notAfter: OutputTime }): string =>
  `held back by its root CA${root.thumbprint ? ` ${root.thumbprint}` : ""} (ends ${dateOf(root.notAfter.ms)}): ` +
  `a new certificate would end no later, so --apply does not bump it; a root rotation renews it (${ROTATION_README})`;

function reasonOf(s: ServerCertificateInfo, now: Date, withinDays: number): string | undefined {
  const { notAfter, renewalDue } = s;
  if (isWithinDays(notAfter.text, 0, now)) return `expired on ${dateOf(notAfter.ms)}`;
  if (isWithinDays(renewalDue.text, 0, now)) return `renewal due since ${dateOf(renewalDue.ms)}`;
  if (isWithinDays(renewalDue.text, withinDays, now)) {
    return `renewal due on ${dateOf(renewalDue.ms)} (${inDays(daysAhead(renewalDue.text, now))})`;
  }
  if (isWithinDays(notAfter.text, withinDays, now)) {
    return `expires on ${dateOf(notAfter.ms)} (${inDays(daysAhead(notAfter.text, now))})`;
  }
  return undefined;
}

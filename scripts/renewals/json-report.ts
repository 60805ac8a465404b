/** The report for machines (`--json`). Pure. */
import { certreqCommand } from "../../provider/contract";
import type { RenewalReport } from "./due";
import type { NextStep, Rotation } from "./roots";

/** The shape `--json` prints. */
export interface JsonReport {
  now: string;
  withinDays: number;
  due: Array<{
    server: string;
    hostname: string;
    role: string;
    notAfter: string;
    renewalDue: string;
    daysLeft: number;
    reason: string;
  }>;
  /** How many server certificates are not due. */
  notDue: number;
  /** The active root (the one that issues the server certificates). */
  ca: { thumbprint: string | null; notAfter: string; daysLeft: number; due: boolean };
  /** Every root clients must trust: previous, active, next. */
  roots: Array<{ thumbprint: string | null; notAfter: string; daysLeft: number; status: string }>;
  rotation: Rotation;
  /** The root rotation's next step; null when none is due. */
  nextStep: NextStep | null;
  /** Requests waiting for an enterprise CA (issuer external), with the command that submits each; absent if none. */
  pending?: Array<{
    server: string;
    requestId: string;
    requestedAt: string;
    awaiting: boolean;
    certificateTemplate: string;
    command: string;
  }>;
}

export function toJsonReport(report: RenewalReport): JsonReport {
  return {
    now: report.now.toISOString(),
    withinDays: report.withinDays,
    due: report.due.map((d) => ({
      server: d.server,
      hostname: d.hostname,
      role: d.role,
      notAfter: d.notAfter.text,
      renewalDue: d.renewalDue.text,
      daysLeft: d.daysLeft,
      reason: d.reason,
    })),
    notDue: report.notDue.length,
    ca: {
      thumbprint: report.ca.thumbprint ?? null,
      notAfter: report.ca.notAfter.text,
      daysLeft: report.ca.daysLeft,
      due: report.ca.due,
    },
    roots: report.roots.map((r) => ({
      thumbprint: r.thumbprint ?? null,
      notAfter: r.notAfter.text,
      daysLeft: r.daysLeft,
      status: r.status,
    })),
    rotation: report.rotation,
    nextStep: report.nextStep ?? null,
    ...(report.pending?.length
      ? {
          pending: report.pending.map((r) => ({
            server: r.server,
            requestId: r.requestId,
            requestedAt: r.requestedAt,
            awaiting: r.awaiting,
            certificateTemplate: r.certificateTemplate,
            command: certreqCommand(r),
          })),
        }
      : {}),
  };
}

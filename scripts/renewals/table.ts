/**
 * The human report: a table of what is due, a count of the rest, the CA when it is due, the trusted roots with the
 * stage of a root rotation, and the rotation step to take next. Pure.
 */
import { columns } from "../common/text-table";
import { certreqCommand, PendingRequest } from "../../provider/contract";
import type { CaStatus, RenewalReport, RootStatus } from "./due";
import type { Rotation } from "./roots";

/** What to do about a CA that is due: a generation bump of the servers cannot help. */
export const CA_ADVICE =
  "a server generation bump does not renew the CA: rotate the root without an outage (stage a next root, switch, " +
  'retire); --apply writes the stage step (nextCa); see README, "Rotating the root CA"';

const dateOf = (text: string): string => text.slice(0, 10);
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** One line about the CA (the active root); during a rotation it points at the rotation's next step. */
export function caLine(ca: CaStatus, rotation: Rotation = "none"): string {
  const when = ca.daysLeft < 0 ? "expired on" : "expires on";
  const advice =
    rotation === "none" ? CA_ADVICE : `a root rotation is under way (${rotation}): take its next step, below`;
  return (
    `CA ${ca.thumbprint ?? "(thumbprint unknown)"} ${when} ${dateOf(ca.notAfter.text)} ` +
    `(${plural(ca.daysLeft, "day", "days")} left, within ${ca.warningDays}): ${advice}`
  );
}

/** The report for people: only what is due, then how many are not. */
export function formatReport(report: RenewalReport): string {
  const window =
    report.withinDays === 0 ? "due now" : `due within ${plural(report.withinDays, "day", "days")}`;
  const lines: string[] = [];
  if (report.due.length === 0) {
    lines.push(`No server certificate is ${window} (now: ${report.now.toISOString()}).`);
  } else {
    lines.push(
      `${plural(report.due.length, "server certificate is", "server certificates are")} ${window} ` +
        `(now: ${report.now.toISOString()}):`,
      "",
      ...columns(
        ["server", "host name", "role", "expiry", "days left", "reason"],
        report.due.map((d) => [
          d.server,
          d.hostname,
          d.role,
          dateOf(d.notAfter.text),
          String(d.daysLeft),
          d.reason,
        ]),
      ),
      "",
    );
  }
  lines.push(`${plural(report.notDue.length, "other certificate", "other certificates")} not ${window}.`);
  if (report.ca.due) lines.push(caLine(report.ca, report.rotation));
  if (report.pending?.length) lines.push("", ...pendingLines(report.pending));
  lines.push("", ...rootLines(report));
  return lines.join("\n") + "\n";
}

/**
 * Requests waiting for an enterprise CA (issuer external): each with the AD CS command that submits it. Until the
 * signed certificate is committed (signedCertificate), a first one has no certificate, a renewal keeps its current.
 */
export function pendingLines(pending: PendingRequest[]): string[] {
  return [
    `${plural(pending.length, "request awaits", "requests await")} the enterprise CA's signature ` +
      `(npm run bundle -- --requests --out DIR writes each <server>.csr):`,
    ...columns(
      ["server", "request", "since", "what", "submit with"],
      pending.map((p) => [
        p.server,
        p.requestId,
        dateOf(p.requestedAt),
        p.awaiting ? "first certificate (none installed)" : "renewal (current stays)",
        certreqCommand(p),
      ]),
    ),
    "Then commit the returned certificate (with its issuing CA) as the server's signedCertificate and run npm run up.",
  ];
}

/** The trusted roots, as a small table under the rotation's stage, then the next step when there is one. */
export function rootLines(report: Pick<RenewalReport, "roots" | "rotation" | "nextStep">): string[] {
  return [
    `Root CAs (rotation: ${report.rotation}):`,
    ...columns(
      ["status", "thumbprint", "expiry", "days left"],
      report.roots.map((r: RootStatus) => [
        r.status,
        r.thumbprint ?? "(unknown)",
        dateOf(r.notAfter.text),
        String(r.daysLeft),
      ]),
    ),
    ...(report.nextStep ? [`Next step of the root rotation: ${report.nextStep.action}.`] : []),
  ];
}

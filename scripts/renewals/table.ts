/** The human report: a table of what is due, a count of the rest, and the CA when it is due. Pure. */
import { columns } from "../common/text-table";
import type { CaStatus, RenewalReport } from "./due";

/** What to do about a CA that is due: a generation bump of the servers cannot help. */
export const CA_ADVICE =
  "a server generation bump does not renew the CA: plan a new root CA (bump ca.generation, unprotect the CA, " +
  "npm run up) and distribute it to every client before it expires; see README, Renewals as pull requests";

const dateOf = (text: string): string => text.slice(0, 10);
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** One line about the CA. */
export function caLine(ca: CaStatus): string {
  const when = ca.daysLeft < 0 ? "expired on" : "expires on";
  return (
    `CA ${ca.thumbprint ?? "(thumbprint unknown)"} ${when} ${dateOf(ca.notAfter.text)} ` +
    `(${plural(ca.daysLeft, "day", "days")} left, within ${ca.warningDays}): ${CA_ADVICE}`
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
  if (report.ca.due) lines.push(caLine(report.ca));
  return lines.join("\n") + "\n";
}

/** The pull request's title (first line) and body (markdown) for `--pr-body`. Pure. */
import type { StageApplied } from "./yaml-stage";
import { certreqCommand, PendingRequest } from "../../provider/contract";
import type { RenewalReport } from "./due";
import { CA_ADVICE } from "./table";
import type { Bumped } from "./yaml-apply";

/** Parameters of {@link formatPrBody}. */
export interface PrBodyParams {
  report: RenewalReport;
  /** The stack's name, as in `--stack`. */
  stack: string;
  /** The stack file --apply edited (undefined: not applied). */
  file?: string;
  /** The bumps --apply made or found already made (empty: none). */
  bumped: Bumped[];
  /** The stage step of a root rotation --apply wrote or found written (undefined: none). */
  stage?: StageApplied;
}

/** Text safe in a markdown table cell: no pipes, backticks or line breaks can break the row. */
export function mdCell(s: string): string {
  return s
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/[`*_<>[\]]/g, (c) => `\\${c}`)
    .replace(/[\r\n]+/g, " ");
}

/** The title line, e.g. "Renew 2 certificates of site: rec01, rec02". */
export function prTitle({ report, stack, stage }: Pick<PrBodyParams, "report" | "stack" | "stage">): string {
  // Held back by the root's end: renewed by the rotation, not by this pull request.
  const renewed = report.due.filter((d) => !d.heldBackByRoot);
  const n = renewed.length;
  const names = renewed.map((d) => d.server).join(", ");
  const expires = report.ca.notAfter.text.slice(0, 10);
  if (n === 0 && stage) return `Stage a new root CA for ${stack} (the CA expires on ${expires})`;
  if (n === 0 && report.ca.due && report.rotation !== "none") {
    return `The CA of ${stack} expires on ${expires} (root rotation ${report.rotation})`;
  }
  if (n === 0 && report.ca.due) return `The CA of ${stack} expires on ${expires}`;
  if (n === 0) return `No certificate of ${stack} is due`;
  const list = names.length > 60 ? `${names.slice(0, 57)}...` : names;
  return `Renew ${n} certificate${n === 1 ? "" : "s"} of ${stack}: ${list}`;
}

/** The title, a blank line, then the body. */
export function formatPrBody(p: PrBodyParams): string {
  const { report, stack } = p;
  const window = report.withinDays === 0 ? "due now" : `due within ${report.withinDays} days`;
  const lines = [prTitle(p), ""];
  if (report.due.length > 0) {
    lines.push(
      `These server certificates of stack \`${mdCell(stack)}\` are ${window} (checked at ${report.now.toISOString()}):`,
      "",
      "| server | host name | current expiry | reason |",
      "| --- | --- | --- | --- |",
      ...report.due.map(
        (d) => `| ${mdCell(d.server)} | ${mdCell(d.hostname)} | ${d.notAfter.text} | ${mdCell(d.reason)} |`,
      ),
      "",
    );
    if (p.file && p.bumped.length > 0) {
      lines.push(
        `This change bumps \`generation\` in \`${mdCell(p.file)}\`:`,
        "",
        ...p.bumped.map((b) => `- ${mdCell(b.server)}: ${b.from} → ${b.to}`),
        "",
        "The preview check on this pull request shows exactly the certificates (and their bindings) that will " +
          "be reissued. After merging, run `npm run up` for the stack, then install the new certificates " +
          "(scripts/bundle/Install-XProtectCertificate.ps1).",
        "",
      );
    }
  }
  const held = report.due.filter((d) => d.heldBackByRoot).map((d) => mdCell(d.server));
  if (held.length > 0) {
    lines.push(
      `Not bumped, held back by their root CA (they already end with it; a new certificate would end no later): ` +
        `${held.join(", ")}. A root rotation renews them (see below).`,
      "",
    );
  }
  lines.push(
    `${report.notDue.length} other certificate${report.notDue.length === 1 ? "" : "s"} not ${window}.`,
  );
  if (report.ca.due && !p.stage && report.rotation === "none") {
    lines.push(
      "",
      `**The CA** (${report.ca.thumbprint ?? "thumbprint unknown"}) expires on ${report.ca.notAfter.text} ` +
        `(${report.ca.daysLeft} days left): ${mdCell(CA_ADVICE)}.`,
    );
  }
  if (report.pending?.length) lines.push("", ...pendingSection(report.pending));
  lines.push("", ...rootSection(p));
  return lines.join("\n") + "\n";
}

/** Requests waiting for an enterprise CA (issuer external), each with the AD CS command that submits it. */
function pendingSection(pending: PendingRequest[]): string[] {
  return [
    "### Requests awaiting the enterprise CA",
    "",
    "| server | request | since | what | submit with |",
    "| --- | --- | --- | --- | --- |",
    ...pending.map(
      (r) =>
        `| ${mdCell(r.server)} | ${mdCell(r.requestId)} | ${mdCell(r.requestedAt)} | ` +
        `${r.awaiting ? "first certificate" : "renewal (current stays)"} | \`${mdCell(certreqCommand(r))}\` |`,
    ),
    "",
    "`npm run bundle -- --requests --out DIR` writes each `<server>.csr`. Commit the signed certificate (with its " +
      "issuing CA) as the server's `signedCertificate`; `npm run up` then takes it.",
  ];
}

/** The trusted roots and the rotation's stage; what this change does for it, or the step that comes next. */
function rootSection({ report, file, stage, bumped }: PrBodyParams): string[] {
  const lines = [
    `### Root CAs (rotation: ${report.rotation})`,
    "",
    "| status | thumbprint | not after | days left |",
    "| --- | --- | --- | --- |",
    ...report.roots.map(
      (r) => `| ${r.status} | ${r.thumbprint ?? "unknown"} | ${r.notAfter.text} | ${r.daysLeft} |`,
    ),
    "",
  ];
  if (stage && file) {
    const generation = stage.generation === undefined ? "" : ` (generation ${stage.generation})`;
    const expires =
      `The active CA (${report.ca.thumbprint ?? "thumbprint unknown"}) expires on ${report.ca.notAfter.text} ` +
      `(${report.ca.daysLeft} days left).`;
    const servers =
      bumped.length > 0
        ? "the root step changes no server certificate (the bumps above reissue only theirs; the preview shows " +
          "one create besides them)"
        : "no server certificate changes (the preview shows one create)";
    const then =
      "Give the new root to every client and server, then switch (`issueFrom: nextCa`) in a pull request of " +
      'its own (README, "Rotating the root CA").';
    if (stage.problem) {
      lines.push(
        `${expires} Step now: stage a next root. --apply could not write it (\`nextCa\` in ` +
          `\`${mdCell(file)}\`): ${mdCell(stage.problem)}. Add it by hand in a pull request of its own ` +
          '(README, "Rotating the root CA"); this change only bumps the servers above.',
      );
    } else if (stage.written) {
      const removed =
        stage.removedMinStageDays === undefined
          ? ""
          : ` It also removes \`minStageDays\` (${mdCell(String(stage.removedMinStageDays))}), left from an ` +
            "earlier rotation: this rotation waits the default 7 days before its switch.";
      lines.push(
        `${expires} This change adds \`nextCa\`${generation} to \`${mdCell(file)}\`: the stage step of a root ` +
          "rotation. After merging, `npm run up` makes the next root and adds it to `trustedCaCertificates`; " +
          `${servers}.${removed} ${then}`,
      );
    } else {
      lines.push(
        `${expires} \`nextCa\`${generation} is already in \`${mdCell(file)}\` (written before, not yet made): ` +
          "this change does not touch it. After merging, `npm run up` makes the next root and adds it to " +
          `\`trustedCaCertificates\`; ${servers}. ${then}`,
      );
    }
  } else if (report.nextStep && report.rotation !== "none") {
    lines.push(
      `Next step, not written by renewals (a reviewed decision): ${mdCell(report.nextStep.action)}.`,
    );
  }
  return lines;
}

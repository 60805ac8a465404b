/**
 * `--html`: one self-contained page (inline CSS and SVG; nothing loaded from anywhere) with a timeline of every
 * certificate, a line per trusted root CA at its expiry with its status, and the stage of a root rotation. Pure.
 * Every string from the outputs is escaped.
 */
import { DAY_MS } from "../../provider/pki/limits";
import { daysLeft } from "../../provider/pki/renewal";
import type { RenewalReport } from "./due";
import { certreqCommand, ServerCertificateInfo } from "../../provider/contract";
import type { RenewalSite } from "./outputs";
import type { CaRoot } from "./roots";

/** Parameters of {@link renderHtml}. */
export interface HtmlParams {
  report: RenewalReport;
  /** Every certificate (due or not) and every trusted root. */
  site: RenewalSite;
  /** The stack's name, for the title. */
  stack: string;
}

export type CertificateStatus = "ok" | "due" | "expired";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text safe in HTML text and in quoted attribute values. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

const WIDTH = 960;
const LABEL_WIDTH = 230;
const RIGHT = 24;
/** Height of the header: the today label, a label per root CA (14 px each), the month ticks. */
const headerOf = (roots: number): number => 34 + 14 * Math.max(1, roots);
const ROW = 30;
const BAR = 14;

const num = (n: number): string => String(Math.round(n * 10) / 10);
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const STYLE = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d1d1f; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 20px 0 4px; }
p.meta { color: #555; margin: 0 0 16px; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 18px; margin: 0 0 12px; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
ul.legend svg { display: block; }
svg text { font-size: 12px; fill: #1d1d1f; }
svg text.host { fill: #666; font-size: 11px; }
svg text.tick { fill: #666; font-size: 11px; }
.ok { fill: #2e7d32; }
.due { fill: #ef8f00; }
.expired { fill: #c62828; }
line.grid { stroke: #e6e6e6; }
line.renewal { stroke: #1d1d1f; stroke-width: 2; }
line.today { stroke: #1565c0; stroke-width: 2; }
line.ca-expiry { stroke: #6a1b9a; stroke-width: 2; stroke-dasharray: 6 4; }
line.ca-expiry.root-next { stroke: #00838f; }
line.ca-expiry.root-previous { stroke: #8d8d8d; stroke-dasharray: 2 4; }
text.today { fill: #1565c0; }
text.ca-expiry { fill: #6a1b9a; }
text.ca-expiry.root-next { fill: #00838f; }
text.ca-expiry.root-previous { fill: #6d6d6d; }
table { border-collapse: collapse; margin-top: 20px; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #e6e6e6; }
td.status-ok { color: #2e7d32; } td.status-due { color: #b36b00; } td.status-expired { color: #c62828; }
`;

/** The status of every server: from the report's due list, else ok. */
function statuses(report: RenewalReport): Map<string, CertificateStatus> {
  return new Map(report.due.map((d) => [d.server, d.status]));
}

/**
 * Time axis: covers every certificate and today; each root's expiry too unless it is far beyond (then flagged at
 * the chart's edge). `inside` holds the roots drawn as lines.
 */
function axis(site: RenewalSite, now: number): { start: number; end: number; inside: Set<CaRoot> } {
  const starts = site.servers.map((s) => s.notBefore.ms);
  const ends = site.servers.map((s) => s.notAfter.ms);
  let start = Math.min(now, ...starts);
  const base = Math.max(now, ...ends);
  let end = base;
  const inside = new Set<CaRoot>();
  for (const r of site.roots) {
    const ms = r.notAfter.ms;
    if (ms <= base + (base - start) * 0.25 && ms >= start) {
      inside.add(r);
      end = Math.max(end, ms);
    }
  }
  const pad = Math.max((end - start) * 0.03, DAY_MS);
  start -= pad;
  end += pad;
  return { start, end, inside };
}

/** A root's label: "CA expires ..." outside a rotation, else with its status ("next root expires ..."). */
const rootLabel = (r: CaRoot, rotation: string): string =>
  `${rotation === "none" ? "CA" : `${r.status} root`} expires ${day(r.notAfter.ms)}`;

/** Month ticks, at most about 12. */
function ticks(start: number, end: number): number[] {
  const months = (end - start) / (30.44 * DAY_MS);
  const step = [1, 2, 3, 6, 12, 24, 60, 120].find((s) => months / s <= 12) ?? 240;
  const d = new Date(start);
  // Month index since year 0, rounded up to the step: Januaries for a yearly step.
  let k = Math.ceil((d.getUTCFullYear() * 12 + d.getUTCMonth() + 1) / step) * step;
  const out: number[] = [];
  for (
    let t = Date.UTC(Math.floor(k / 12), k % 12, 1);
    t <= end;
    t = Date.UTC(Math.floor(k / 12), k % 12, 1)
  ) {
    out.push(t);
    k += step;
  }
  return out;
}

function serverRow(
  s: ServerCertificateInfo,
  i: number,
  status: CertificateStatus,
  x: (ms: number) => number,
  header: number,
): string {
  const y = header + i * ROW;
  const barY = y + (ROW - BAR) / 2;
  const title =
    `${s.server} (${s.hostname}, ${s.role}): ${status}; valid ${day(s.notBefore.ms)} to ${day(s.notAfter.ms)}, ` +
    `renewal from ${day(s.renewalDue.ms)}`;
  const rx = x(s.renewalDue.ms);
  return [
    `<g class="row">`,
    `<text x="8" y="${num(y + 13)}">${escapeHtml(s.server)}</text>`,
    `<text class="host" x="8" y="${num(y + 26)}">${escapeHtml(s.hostname)}</text>`,
    `<rect class="bar ${status}" data-server="${escapeHtml(s.server)}" data-status="${status}" x="${num(x(s.notBefore.ms))}" ` +
      `y="${num(barY)}" width="${num(Math.max(1, x(s.notAfter.ms) - x(s.notBefore.ms)))}" height="${BAR}" rx="3">` +
      `<title>${escapeHtml(title)}</title></rect>`,
    `<line class="renewal" data-server="${escapeHtml(s.server)}" x1="${num(rx)}" x2="${num(rx)}" y1="${num(barY - 4)}" ` +
      `y2="${num(barY + BAR + 4)}"><title>${escapeHtml(`${s.server}: renewal from ${day(s.renewalDue.ms)}`)}</title></line>`,
    `</g>`,
  ].join("\n");
}

/** A label beside a vertical line, on whichever side has room. */
function label(cls: string, x: number, y: number, text: string): string {
  const left = x > WIDTH - 160;
  return `<text class="${cls}" x="${num(left ? x - 4 : x + 4)}" y="${y}"${left ? ' text-anchor="end"' : ""}>${escapeHtml(text)}</text>`;
}

function timeline(p: HtmlParams, status: Map<string, CertificateStatus>): string {
  const now = p.report.now.getTime();
  const { start, end, inside } = axis(p.site, now);
  const AXIS = headerOf(p.site.roots.length);
  const chart = WIDTH - LABEL_WIDTH - RIGHT;
  const x = (ms: number): number => LABEL_WIDTH + ((ms - start) / (end - start)) * chart;
  const height = AXIS + Math.max(1, p.site.servers.length) * ROW + 10;
  const bottom = height - 6;
  const parts: string[] = [];
  for (const t of ticks(start, end)) {
    parts.push(`<line class="grid" x1="${num(x(t))}" x2="${num(x(t))}" y1="${AXIS - 6}" y2="${bottom}"/>`);
    // A label needs about 50 px: the last one is left out when it would run off the chart.
    if (x(t) + 50 <= WIDTH) {
      parts.push(`<text class="tick" x="${num(x(t) + 3)}" y="${AXIS - 10}">${day(t).slice(0, 7)}</text>`);
    }
  }
  p.site.servers.forEach((s, i) => parts.push(serverRow(s, i, status.get(s.server) ?? "ok", x, AXIS)));
  p.site.roots.forEach((r, i) => {
    const ms = r.notAfter.ms;
    const y = 26 + 14 * i;
    const cls = `ca-expiry root-${r.status}`;
    const data = `data-status="${r.status}" data-thumbprint="${escapeHtml(r.thumbprint ?? "")}"`;
    const title = escapeHtml(`${r.status} root CA ${r.thumbprint ?? ""} expires on ${day(ms)}`);
    if (inside.has(r)) {
      parts.push(
        `<line class="${cls}" ${data} x1="${num(x(ms))}" x2="${num(x(ms))}" y1="${y + 2}" y2="${bottom}"><title>${title}</title></line>`,
        label(cls, x(ms), y, rootLabel(r, p.site.rotation)),
      );
    } else {
      parts.push(
        `<text class="${cls}" ${data} x="${WIDTH - 4}" y="${y}" text-anchor="end"><title>${title}</title>` +
          `${escapeHtml(rootLabel(r, p.site.rotation))} ${ms > end ? "(beyond the chart) \u2192" : "(before the chart)"}</text>`,
      );
    }
  });
  parts.push(
    `<line class="today" x1="${num(x(now))}" x2="${num(x(now))}" y1="${AXIS - 34}" y2="${bottom}"/>`,
    label("today", x(now), 12, `today ${day(now)}`),
  );
  return (
    `<svg class="timeline" role="img" aria-label="Validity of every certificate" width="${WIDTH}" height="${height}" ` +
    `viewBox="0 0 ${WIDTH} ${height}">\n${parts.join("\n")}\n</svg>`
  );
}

const swatch = (cls: string): string =>
  `<svg width="28" height="14" aria-hidden="true"><rect class="${cls}" x="0" y="2" width="28" height="10" rx="3"/></svg>`;
const lineSwatch = (cls: string): string =>
  `<svg width="16" height="16" aria-hidden="true"><line class="${cls}" x1="8" x2="8" y1="0" y2="16"/></svg>`;

function legend(withinDays: number, roots: CaRoot[]): string {
  const window = withinDays === 0 ? "due now" : `renewal due within ${withinDays} days`;
  const others = (["next", "previous"] as const).filter((s) => roots.some((r) => r.status === s));
  return [
    `<ul class="legend">`,
    `<li>${swatch("ok")} ok</li>`,
    `<li>${swatch("due")} due (${escapeHtml(window)})</li>`,
    `<li>${swatch("expired")} expired</li>`,
    `<li>${lineSwatch("renewal")} renewal point</li>`,
    `<li>${lineSwatch("today")} today</li>`,
    `<li>${lineSwatch("ca-expiry")} CA expiry</li>`,
    ...others.map((s) => `<li>${lineSwatch(`ca-expiry root-${s}`)} ${s} root CA expiry</li>`),
    `</ul>`,
  ].join("\n");
}

function table(p: HtmlParams, status: Map<string, CertificateStatus>): string {
  const rows = p.site.servers.map((s) => {
    const st = status.get(s.server) ?? "ok";
    const cells = [
      s.server,
      s.hostname,
      s.role,
      day(s.notBefore.ms),
      day(s.notAfter.ms),
      day(s.renewalDue.ms),
      String(daysLeft(s.notAfter.text, p.report.now)),
    ].map((c) => `<td>${escapeHtml(c)}</td>`);
    return `<tr>${cells.join("")}<td class="status-${st}">${st}</td></tr>`;
  });
  return [
    `<table>`,
    `<thead><tr><th>server</th><th>host name</th><th>role</th><th>not before</th><th>not after</th>` +
      `<th>renewal due</th><th>days left</th><th>status</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody>`,
    `</table>`,
  ].join("\n");
}

/** The trusted roots with their status, under the rotation's stage and its next step. */
function rootTable(p: HtmlParams): string {
  const { report } = p;
  const rows = report.roots.map((r) => {
    const cells = [r.status, r.thumbprint ?? "(unknown)", day(r.notAfter.ms), String(r.daysLeft)];
    return `<tr class="root-${r.status}">${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`;
  });
  return [
    `<h2>${escapeHtml(`Root CAs (rotation: ${report.rotation})`)}</h2>`,
    ...(report.nextStep
      ? [
          `<p class="next-step">${escapeHtml(`Next step of the root rotation: ${report.nextStep.action}.`)}</p>`,
        ]
      : []),
    `<table class="roots">`,
    `<thead><tr><th>status</th><th>thumbprint</th><th>not after</th><th>days left</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody>`,
    `</table>`,
  ].join("\n");
}

/** Requests waiting for an enterprise CA (issuer external), each with its certreq command; nothing when none. */
function pendingTable(p: HtmlParams): string[] {
  const pending = p.report.pending ?? [];
  if (pending.length === 0) return [];
  const rows = pending.map((r) => {
    const cells = [
      r.server,
      r.requestId,
      day(Date.parse(r.requestedAt)),
      r.awaiting ? "first certificate" : "renewal (current stays)",
      certreqCommand(r),
    ];
    return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`;
  });
  return [
    `<h2>Requests awaiting the enterprise CA</h2>`,
    `<table class="requests">`,
    `<thead><tr><th>server</th><th>request</th><th>since</th><th>what</th><th>submit with</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody>`,
    `</table>`,
  ];
}

/** The whole page. */
export function renderHtml(p: HtmlParams): string {
  const status = statuses(p.report);
  const { report } = p;
  const caState = report.ca.due
    ? `due: expires within ${report.ca.warningDays} days, rotate the root`
    : "not due";
  const meta =
    `Now: ${report.now.toISOString()}. ${report.due.length} of ${p.site.servers.length} server certificates due ` +
    `within ${report.withinDays} days. CA ${p.site.ca.thumbprint ?? ""} expires on ${day(p.site.ca.notAfter.ms)} ` +
    `(${report.ca.daysLeft} days left; ${caState}). Root CA rotation: ${report.rotation}.`;
  return [
    `<!DOCTYPE html>`,
    `<html lang="en">`,
    `<head>`,
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeHtml(`Certificate calendar: ${p.stack}`)}</title>`,
    `<style>${STYLE}</style>`,
    `</head>`,
    `<body>`,
    `<h1>${escapeHtml(`Certificate calendar: ${p.stack}`)}</h1>`,
    `<p class="meta">${escapeHtml(meta)}</p>`,
    legend(report.withinDays, p.site.roots),
    timeline(p, status),
    table(p, status),
    ...pendingTable(p),
    rootTable(p),
    `</body>`,
    `</html>`,
    ``,
  ].join("\n");
}

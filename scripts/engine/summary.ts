/** Formats the site's stack outputs (provider/contract) as a table of servers for the end of `up`. */
import { isRecord, ServerOutput } from "../../provider/contract";
import { columns } from "../common/text-table";

/** The columns of a server's row after its name: non-secret fields of `servers.<name>`. */
const SERVER_COLUMNS: Array<keyof ServerOutput> = [
  "role",
  "hostname",
  "thumbprint",
  "notAfter",
  "renewalDue",
];
const DATE_COLUMNS: Array<keyof ServerOutput> = ["notAfter", "renewalDue"];

/** `2027-05-01T10:00:00Z` -> `2027-05-01`; other dates via Date; anything else as text; missing -> "-". */
export function dateOnly(v: unknown): string {
  if (v === undefined || v === null || v === "") return "-";
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}/.test(v)) return v.slice(0, 10);
  if (typeof v === "string" || typeof v === "number" || v instanceof Date) {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d.toISOString().slice(0, 10);
  }
  return text(v);
}

function text(v: unknown): string {
  if (v === undefined || v === null || v === "") return "-";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/**
 * A plain-text table of `outputs.servers` (a map from server name to `{role, hostname, thumbprint, notAfter,
 * renewalDue, ...}`): columns server, role, hostname, thumbprint, notAfter, renewalDue (dates only), sorted by
 * server name, followed by a line for the CA (`caThumbprint`, `caNotAfter`). Pure; tolerates missing fields
 * (shown as "-") and a missing or malformed `servers`. Only these non-secret fields are printed.
 */
export function formatServerTable(outputs: Record<string, unknown>): string {
  const servers = isRecord(outputs.servers) ? outputs.servers : {};
  const rows = Object.keys(servers)
    .sort((a, b) => a.localeCompare(b))
    .map((name) => {
      const s = isRecord(servers[name]) ? servers[name] : {};
      return [name, ...SERVER_COLUMNS.map((c) => (DATE_COLUMNS.includes(c) ? dateOnly(s[c]) : text(s[c])))];
    });
  const lines =
    rows.length === 0 ? ["(no servers in the stack outputs)"] : columns(["server", ...SERVER_COLUMNS], rows);
  lines.push(`CA  thumbprint ${text(outputs.caThumbprint)}  notAfter ${dateOnly(outputs.caNotAfter)}`);
  return lines.join("\n") + "\n";
}

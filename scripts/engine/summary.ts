/** Formats the site's stack outputs as a table of servers for the end of `up`. */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

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
  const header = ["server", "role", "hostname", "thumbprint", "notAfter", "renewalDue"];
  const rows = Object.keys(servers)
    .sort((a, b) => a.localeCompare(b))
    .map((name) => {
      const s = isRecord(servers[name]) ? (servers[name] as Record<string, unknown>) : {};
      return [
        name,
        text(s.role),
        text(s.hostname),
        text(s.thumbprint),
        dateOnly(s.notAfter),
        dateOnly(s.renewalDue),
      ];
    });
  const lines: string[] = [];
  if (rows.length === 0) {
    lines.push("(no servers in the stack outputs)");
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const fmt = (r: string[]): string =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")
        .trimEnd();
    lines.push(fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...rows.map(fmt));
  }
  lines.push(`CA  thumbprint ${text(outputs.caThumbprint)}  notAfter ${dateOnly(outputs.caNotAfter)}`);
  return lines.join("\n") + "\n";
}

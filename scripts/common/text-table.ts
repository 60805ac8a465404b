/** Plain-text tables for the commands' terminal output. Pure. */

/**
 * A header, a dashed rule (unless `rule: false`) and the rows, in columns left-aligned two spaces apart (no
 * trailing spaces).
 */
export function columns(header: string[], rows: string[][], { rule = true } = {}): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [fmt(header), ...(rule ? [fmt(widths.map((w) => "-".repeat(w)))] : []), ...rows.map(fmt)];
}

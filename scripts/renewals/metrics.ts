/**
 * `--metrics FILE`: the expiry of every certificate as gauges in the Prometheus text exposition format (0.0.4),
 * the format node_exporter's textfile collector reads. Values are Unix seconds. XProtect itself never warns before
 * a certificate expires: an alert rule on these does. Pure.
 */
import type { RenewalSite } from "./outputs";

/** The metric names, with their help text. */
export const METRICS = {
  notAfter: {
    name: "xprotect_certificate_not_after_timestamp_seconds",
    help: "When the XProtect server certificate expires (notAfter), in Unix seconds.",
  },
  renewalDue: {
    name: "xprotect_certificate_renewal_due_timestamp_seconds",
    help: "When the XProtect server certificate is due for renewal (notAfter minus renewBeforeDays), in Unix seconds.",
  },
  requestedAt: {
    name: "xprotect_certificate_request_pending_since_timestamp_seconds",
    help: 'When a certificate request still waiting for the enterprise CA (issuer external) was made, in Unix seconds; awaiting="true" when the server has no certificate yet.',
  },
  caNotAfter: {
    name: "xprotect_ca_not_after_timestamp_seconds",
    help: "When a trusted root CA of the XProtect site expires (notAfter), in Unix seconds; status active, next, previous or external (an enterprise root).",
  },
} as const;

/** A label value as the format wants it: backslash, double quote and line feed escaped. */
export const escapeLabelValue = (v: string): string =>
  v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** HELP text as the format wants it: backslash and line feed escaped. */
export const escapeHelp = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

/** Unix seconds of a time in milliseconds; fractions of a second kept (certificates have whole seconds). */
const seconds = (ms: number): string => String(ms / 1000);

/** One sample line: `name{a="x",b="y"} value`. */
function sample(name: string, labels: Record<string, string>, value: string): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return `${name}{${pairs.join(",")}} ${value}`;
}

function family(metric: { name: string; help: string }, samples: string[]): string[] {
  return [`# HELP ${metric.name} ${escapeHelp(metric.help)}`, `# TYPE ${metric.name} gauge`, ...samples];
}

/**
 * The whole textfile: one family per metric, each with its HELP and TYPE lines even when it has no sample, and a
 * final line feed (the format requires it). A thumbprint the outputs do not give is an empty label value.
 */
export function formatMetrics(site: RenewalSite): string {
  const serverLabels = (s: RenewalSite["servers"][number]) => ({
    server: s.server,
    role: s.role,
    hostname: s.hostname,
    thumbprint: s.thumbprint ?? "",
  });
  const lines = [
    ...family(
      METRICS.notAfter,
      site.servers.map((s) => sample(METRICS.notAfter.name, serverLabels(s), seconds(s.notAfter.ms))),
    ),
    ...family(
      METRICS.renewalDue,
      site.servers.map((s) => sample(METRICS.renewalDue.name, serverLabels(s), seconds(s.renewalDue.ms))),
    ),
    ...family(
      METRICS.caNotAfter,
      site.roots.map((r) =>
        sample(
          METRICS.caNotAfter.name,
          { thumbprint: r.thumbprint ?? "", status: r.status },
          seconds(r.notAfter.ms),
        ),
      ),
    ),
    // Only for a site with requests waiting for an enterprise CA: other sites' textfiles stay as they were.
    ...(site.pending?.length ? pendingFamily(site.pending) : []),
  ];
  return lines.join("\n") + "\n";
}

/** Requests waiting for an enterprise CA (issuer external): when each was made. */
function pendingFamily(pending: NonNullable<RenewalSite["pending"]>): string[] {
  return family(
    METRICS.requestedAt,
    pending.map((r) =>
      sample(
        METRICS.requestedAt.name,
        {
          server: r.server,
          role: r.role,
          hostname: r.hostname,
          request: r.requestId,
          awaiting: String(r.awaiting),
        },
        seconds(Date.parse(r.requestedAt)),
      ),
    ),
  );
}

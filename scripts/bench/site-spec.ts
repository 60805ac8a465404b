/**
 * The benchmark's site: N servers, one management server and the rest recording servers, each with a host name,
 * a short name and an IPv4 address. Every measurement (provider, OpenSSL, engine) issues these same certificates.
 */

export interface BenchServer {
  /** Server (resource) name, e.g. rec0007. */
  name: string;
  role: "managementServer" | "recordingServer";
  /** The FQDN, also the first DNS name (the subject CN). */
  hostname: string;
  dnsNames: string[];
  ipAddresses: string[];
}

export const BENCH_DOMAIN = "vms.bench.local";

/** The N servers: index 0 is the management server. */
export function benchServers(n: number): BenchServer[] {
  const width = Math.max(4, String(n).length);
  return Array.from({ length: n }, (_, i) => {
    const name = i === 0 ? "mgmt" : `rec${String(i).padStart(width, "0")}`;
    const hostname = `${name}.${BENCH_DOMAIN}`;
    return {
      name,
      role: i === 0 ? "managementServer" : "recordingServer",
      hostname,
      dnsNames: [hostname, name],
      ipAddresses: [ipv4Of(i + 1)],
    };
  });
}

/** 10.x.y.z for 1..2^24-2. */
const ipv4Of = (k: number): string => `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;

/** The `xprotect-certs:site` config value (see provider/site/config.ts) of these servers; the CA as defaulted. */
export function siteConfigOf(servers: BenchServer[]): Record<string, unknown> {
  return {
    servers: Object.fromEntries(
      servers.map((s) => [
        s.name,
        { role: s.role, hostname: s.hostname, dnsNames: s.dnsNames, ipAddresses: s.ipAddresses },
      ]),
    ),
  };
}

/** The same site with one more DNS name on its last server: a reissue of exactly that certificate. */
export function withOneServerRenamed(servers: BenchServer[]): BenchServer[] {
  const last = servers[servers.length - 1];
  const changed = { ...last, dnsNames: [...last.dnsNames, `alias-${last.name}.${BENCH_DOMAIN}`] };
  return [...servers.slice(0, -1), changed];
}

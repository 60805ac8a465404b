/**
 * A clustered management server (config `servers.<name>.clusterNodes`): the node host names, checked, and the
 * site rules about them. The server's `hostname` is the cluster's name (what clients dial); its certificate names
 * the cluster first, then every node, then any `dnsNames`; the bundle writes one folder per node, named by the
 * node host name's first label. Pure.
 */
import { normaliseDnsName } from "../pki/names";
import { describeValue, isUnknown } from "../validate/fields";
import { BUNDLE_OWN_NAMES, serverNameProblem } from "../contract";

/** A failover cluster has at least two nodes. */
export const MIN_CLUSTER_NODES = 2;

/** The DNS name of the identity provider's data-protection certificate (see README "Clustered management server"). */
export const IDENTITY_PROVIDER_DNS_NAME = "xprotect-identity-provider.invalid";
/** The friendly name Windows' certificate manager shows for it. */
export const IDENTITY_PROVIDER_FRIENDLY_NAME = "XProtect Identity Provider data protection";

type Fail = (field: string, reason: string, server?: string) => void;

/** The first label of a host name: the node's bundle folder. */
export const firstLabel = (host: string): string => host.split(".")[0];

/**
 * `clusterNodes` of one server, checked and normalised (lower case, no trailing dot); undefined when absent.
 * Each node is an FQDN (at least two labels), each given once; at least {@link MIN_CLUSTER_NODES}.
 */
export function parseClusterNodes(name: string, value: unknown, fail: Fail): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const at = `servers.${name}.clusterNodes`;
  const example = `[${name}-a.corp.example.com, ${name}-b.corp.example.com]`;
  if (!Array.isArray(value)) {
    fail(at, `${describeValue(value)} is not a list: give the nodes' host names, e.g. ${example}`, name);
    return undefined;
  }
  if (value.length < MIN_CLUSTER_NODES) {
    fail(
      at,
      `${value.length} node${value.length === 1 ? "" : "s"}: a failover cluster has at least ${MIN_CLUSTER_NODES}. ` +
        `List every node, e.g. ${example}, or remove clusterNodes for a management server on one host`,
      name,
    );
  }
  const nodes: string[] = [];
  value.forEach((v: unknown, i: number) => {
    const field = `${at}[${i}]`;
    if (typeof v !== "string") {
      fail(
        field,
        `${describeValue(v)} is not a host name: give the node's FQDN, e.g. ${name}-a.corp.example.com`,
        name,
      );
      return;
    }
    const n = normaliseDnsName(v);
    if (!n.ok) {
      fail(field, `${n.reason}; give the node's FQDN`, name);
      return;
    }
    if (!n.value.includes(".")) {
      fail(
        field,
        `"${v}" is not a fully qualified name: give the node's FQDN, e.g. ${n.value}.corp.example.com`,
        name,
      );
      return;
    }
    const twin = nodes.indexOf(n.value);
    if (twin >= 0) {
      fail(field, `"${v}" is listed twice (also at [${twin}]): give each node once`, name);
      return;
    }
    nodes.push(n.value);
  });
  return nodes;
}

/** A server as the cluster rules see it. */
export interface ClusterView {
  name: string;
  role: string;
  roleKnown?: boolean;
  hostname: string;
  clusterNodes?: string[];
}

/**
 * The rules across the site: `clusterNodes` only on the management server; no node is the cluster's name or
 * another server's host name; the nodes' first labels (their bundle folders) are unique, and none is a server's
 * name, one of the bundle's own names or a name Windows reserves (compared ignoring case).
 */
export function clusterRules(servers: ClusterView[], fail: Fail): void {
  for (const s of servers) {
    if (!s.clusterNodes) continue;
    const at = `servers.${s.name}.clusterNodes`;
    if (s.roleKnown !== false && s.role !== "managementServer") {
      fail(
        at,
        `is set on a ${s.role}: only the management server runs in a failover cluster. Remove clusterNodes here`,
        s.name,
      );
      continue;
    }
    const cluster = hostKey(s.hostname);
    const labels = new Map<string, string>();
    s.clusterNodes.forEach((node, i) => {
      const field = `${at}[${i}]`;
      if (cluster !== undefined && node === cluster) {
        fail(
          field,
          `"${node}" is the cluster's name (hostname): hostname is the name clients dial, clusterNodes the ` +
            `nodes' own host names; give the node's own FQDN`,
          s.name,
        );
        return;
      }
      const other = servers.find((o) => o !== s && hostKey(o.hostname) === node);
      if (other) {
        fail(
          field,
          `"${node}" is the host name of ${other.name}: a cluster node runs only the management server; ` +
            `give the node's own FQDN`,
          s.name,
        );
        return;
      }
      const label = firstLabel(node);
      const lower = label.toLowerCase();
      const twin = labels.get(lower);
      if (twin !== undefined) {
        fail(
          field,
          `"${node}" starts with "${label}", as does "${twin}": each node's bundle folder is named by its first ` +
            `label, so those must differ`,
          s.name,
        );
        return;
      }
      labels.set(lower, node);
      const server = servers.find((o) => o.name.toLowerCase() === lower);
      const own = (BUNDLE_OWN_NAMES as readonly string[]).includes(lower);
      // A label is letters, digits and hyphens: the server names' rule refuses it only as a Windows device name.
      const reserved = !own && serverNameProblem(label) !== undefined;
      if (server || own || reserved) {
        const why = server
          ? `the name of server ${server.name}`
          : own
            ? "one of the bundle's own names"
            : "a device name Windows reserves";
        fail(
          field,
          `"${node}" would get the bundle folder "${label}", which is ${why} (compared ignoring case): ` +
            `rename the ${server ? "server" : "node"} so that they differ`,
          s.name,
        );
      }
    });
  }
}

/** A host name as compared across servers; undefined while unknown (an output) or not a name. */
function hostKey(host: unknown): string | undefined {
  if (typeof host !== "string" || isUnknown(host)) return undefined;
  const n = normaliseDnsName(host);
  return n.ok ? n.value : host;
}

/**
 * The management server's certificate names: the cluster's name first, then every node, then `dnsNames`, each once
 * (compared as normalised). Names that are not valid are kept as given, for the server's check to report.
 */
export function clusterDnsNames(hostname: unknown, nodes: string[], dnsNames: unknown): unknown[] {
  const extra = Array.isArray(dnsNames) ? (dnsNames as unknown[]) : [];
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (const n of [hostname, ...nodes, ...extra]) {
    const key = typeof n === "string" && !isUnknown(n) ? (hostKey(n) ?? n) : undefined;
    if (key !== undefined && seen.has(key)) continue;
    if (key !== undefined) seen.add(key);
    out.push(n);
  }
  return out;
}

/**
 * A clustered management server in a bundle: one folder per node, named by the node host name's first label,
 * each with the server's PFX, the identity provider's data-protection PFX and a manifest whose `hostname` is the
 * node (README "Clustered management server"). Pure.
 */
import { BUNDLE_OWN_NAMES, serverNameProblem } from "../../provider/contract";
import type { BundleOutputs, Parsed, ServerManifest } from "./manifest";

/** What a node's manifest says about the identity provider certificate. */
export interface IdentityProviderManifest {
  /** The PFX beside the manifest. */
  pfxFile: string;
  pfxPassword: string;
  thumbprint: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  renewalDue: string;
}

/** The fields a clustered server's manifest adds. */
export interface ClusterManifestFields {
  /** The cluster's name (what clients dial): the server's `hostname` in the stack. */
  clusterName?: string;
  clusterNodes?: string[];
  identityProvider?: IdentityProviderManifest;
}

/** One bundle folder: a server's, or a cluster node's. */
export interface BundleFolder {
  /** The folder's name: the server's name, or the node host name's first label. */
  folder: string;
  server: string;
  /** The host the folder is for: the server's host name, or the node's. */
  hostname: string;
}

/** The identity provider PFX's file name in a node's folder. */
export const identityProviderPfxFile = (server: string): string => `${server}-identity-provider.pfx`;

/** The folders of the selected servers, in enable order; a clustered server's nodes in clusterNodes order. */
export function bundleFolders(outputs: Pick<BundleOutputs, "servers">, ordered: string[]): BundleFolder[] {
  return ordered.flatMap((server) => {
    const nodes = outputs.servers[server].clusterNodes;
    if (!nodes) return [{ folder: server, server, hostname: outputs.servers[server].hostname }];
    return nodes.map((node) => ({ folder: node.split(".")[0], server, hostname: node }));
  });
}

/** A DNS label: what a node's folder name must be. */
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * The outputs' node folders checked as the site config checks them (the outputs may come from elsewhere): each a
 * DNS label, not a Windows device name nor the bundle's own, and none equal, ignoring case, to another folder.
 */
export function clusterFolderProblems(servers: BundleOutputs["servers"]): string[] {
  const problems: string[] = [];
  const taken = new Map<string, string>(Object.keys(servers).map((n) => [n.toLowerCase(), `server ${n}`]));
  for (const [name, s] of Object.entries(servers)) {
    for (const node of s.clusterNodes ?? []) {
      const label = node.split(".")[0];
      const at = `servers.${name}.clusterNodes: ${JSON.stringify(node)}`;
      const lower = label.toLowerCase();
      if (
        !LABEL.test(label) ||
        (BUNDLE_OWN_NAMES as readonly string[]).includes(lower) ||
        serverNameProblem(label)
      ) {
        problems.push(
          `${at} gives no usable bundle folder (${JSON.stringify(label)}): fix the site config, run npm run up`,
        );
      } else if (taken.has(lower)) {
        problems.push(
          `${at}: its bundle folder ${JSON.stringify(label)} is also that of ${taken.get(lower)}: fix the site config, run npm run up`,
        );
      } else taken.set(lower, `node ${node}`);
    }
    if (s.clusterNodes && !s.identityProviderCertificate) {
      problems.push(
        `servers.${name}.identityProviderCertificate: missing beside clusterNodes: run npm run up for the stack (with this version)`,
      );
    }
  }
  return problems;
}

/**
 * The identity provider PFX and password of each clustered server (`identityProviderPfx`,
 * `identityProviderPfxPasswords`), shown, or every problem naming its field.
 */
export function readIdentityProviderSecrets(
  outputs: Record<string, unknown>,
  servers: BundleOutputs["servers"],
): Parsed<{ pfx: Record<string, string>; passwords: Record<string, string> }> {
  const clustered = Object.keys(servers).filter((s) => servers[s].identityProviderCertificate);
  const pfx: Record<string, string> = {};
  const passwords: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, into] of [
    ["identityProviderPfx", pfx],
    ["identityProviderPfxPasswords", passwords],
  ] as const) {
    if (clustered.length === 0) break;
    const map = outputs[key];
    if (map === "[secret]") {
      problems.push(`${key}: the secrets are hidden ("[secret]"): read the outputs with --show-secrets`);
      continue;
    }
    for (const s of clustered) {
      const v = typeof map === "object" && map !== null ? (map as Record<string, unknown>)[s] : undefined;
      if (typeof v === "string" && v !== "") into[s] = v;
      else
        problems.push(
          `${key}.${s}: missing: run npm run up for the stack (with this version), then bundle again`,
        );
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, value: { pfx, passwords } };
}

/** A node's manifest: the server's, with the node as hostname and the identity provider certificate. */
export function nodeManifest(
  outputs: BundleOutputs,
  server: ServerManifest,
  node: string,
): ServerManifest & ClusterManifestFields {
  const s = outputs.servers[server.server];
  const idp = s.identityProviderCertificate!;
  return {
    ...server,
    hostname: node,
    clusterName: s.hostname,
    clusterNodes: s.clusterNodes,
    identityProvider: {
      pfxFile: identityProviderPfxFile(server.server),
      pfxPassword: outputs.identityProviderPfxPasswords[server.server],
      thumbprint: idp.thumbprint,
      serialNumber: idp.serialNumber,
      notBefore: idp.notBefore,
      notAfter: idp.notAfter,
      renewalDue: idp.renewalDue,
    },
  };
}

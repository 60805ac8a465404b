/**
 * From the stack outputs (contract v1, stacks/outputs.schema.json, read with --show-secrets) to what each server
 * and client receives: the per-server manifest (scripts/bundle/manifest.schema.json), the roots to trust and the
 * enable order. Pure: no file or engine access.
 */
import {
  ContractProblem,
  formatContractProblems,
  isRecord,
  openOutputs,
  PendingRequest,
  readPendingRequests,
  readSecrets,
  readPublicSecrets,
  readServers,
  readTrustedRoots,
  ServerOutput,
  TrustedCaStatus,
} from "../../provider/contract";
import { clusterFolderProblems, readIdentityProviderSecrets } from "./cluster";

/** Version of the per-server manifest format (the installer refuses any other). */
export const MANIFEST_VERSION = 1;

/** A root CA every server and client must trust. */
export interface TrustedCa {
  thumbprint: string;
  notAfter: string;
  status: TrustedCaStatus;
  /** DER, base64: the `.cer` content. */
  certificateDer: string;
  /** Its file in a bundle folder: `ca-<thumbprint>.cer`. */
  file: string;
}

/** What a bundle is made of, checked. */
export interface BundleOutputs {
  servers: Record<string, ServerOutput>;
  pfx: Record<string, string>;
  pfxPasswords: Record<string, string>;
  /** A clustered management server's name to its identity provider PFX, base64 (empty without a cluster). */
  identityProviderPfx: Record<string, string>;
  /** A clustered management server's name to its identity provider PFX password (empty without a cluster). */
  identityProviderPfxPasswords: Record<string, string>;
  /** Server name to its public certificate's PFX and password (servers with publicCertificate only). */
  publicPfx: Record<string, string>;
  publicPfxPasswords: Record<string, string>;
  /** Every root to trust: `trustedCaCertificates` when the stack has it, else the one CA. */
  trustedCas: TrustedCa[];
  /** Requests waiting for an enterprise CA (issuer external); an awaiting server is not in `servers`. */
  pending?: PendingRequest[];
}

/** The per-server manifest: `<server>.json` in the server's folder. */
export interface ServerManifest extends ServerOutput {
  contractVersion: typeof MANIFEST_VERSION;
  stack: string;
  server: string;
  /** The PFX beside the manifest. */
  pfxFile: string;
  pfxPassword: string;
  trustedCaCertificates: TrustedCa[];
  /** The public certificate's PFX beside the manifest (leaf and intermediates), when the server has one. */
  publicPfxFile?: string;
  publicPfxPassword?: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** The contract's problems as lines `field: reason`. */
const lines = (problems: ContractProblem[]): string[] => formatContractProblems(problems).split("\n");

/** `ca-<thumbprint>.cer`. */
export const caFileName = (thumbprint: string): string => `ca-${thumbprint}.cer`;

/**
 * The roots to trust (provider/contract `readTrustedRoots`: `trustedCaCertificates`, else the one CA), each with
 * its file name in a bundle.
 */
export function trustedCasOf(outputs: Record<string, unknown>): Parsed<TrustedCa[]> {
  const roots = readTrustedRoots(outputs);
  if (!roots.ok) return { ok: false, problems: lines(roots.problems) };
  // An enterprise root (status external) is trusted through Group Policy, which owns it: neither the installer
  // nor the client kit touches it, so it is in no bundle.
  const ours = roots.value.filter((r) => r.status !== "external");
  return { ok: true, value: ours.map((r) => ({ ...r, file: caFileName(r.thumbprint) })) };
}

/**
 * Checks what a bundle needs of `pulumi stack output --json --show-secrets`: contract version 1, the servers, the
 * secrets shown, a PFX and a password for every server, the roots. `source` names where the JSON came from.
 */
export function parseBundleOutputs(json: unknown, source: string): Parsed<BundleOutputs> {
  const opened = openOutputs(json);
  if (!opened.ok) {
    return {
      ok: false,
      problems: [
        opened.problem === "version"
          ? `contractVersion: ${opened.shown} is not 1: use the bundle command of that version`
          : `${source} has no outputs: run npm run up for this stack first`,
      ],
    };
  }
  const outputs = opened.outputs;
  const servers = readServers(outputs, "bundle");
  // A server awaiting its first signed certificate has no PFX yet.
  const names = servers.ok
    ? Object.keys(servers.value)
    : isRecord(outputs.servers)
      ? Object.keys(outputs.servers)
      : [];
  const secrets = readSecrets(outputs, names);
  const cas = trustedCasOf(outputs);
  const withPublic = servers.ok ? names.filter((n) => servers.value[n]?.publicCertificate) : [];
  const publicSecrets = readPublicSecrets(outputs, withPublic);
  const problems = [
    ...(servers.ok ? [] : lines(servers.problems)),
    ...(secrets.ok ? [] : lines(secrets.problems)),
    ...(cas.ok ? [] : cas.problems),
    ...(publicSecrets.ok ? [] : publicSecrets.problems),
  ];
  if (!servers.ok || !secrets.ok || !cas.ok || !publicSecrets.ok) return { ok: false, problems };
  const folders = clusterFolderProblems(servers.value);
  if (folders.length) return { ok: false, problems: folders };
  const idp = readIdentityProviderSecrets(outputs, servers.value);
  if (!idp.ok) return idp;
  return {
    ok: true,
    value: {
      servers: servers.value,
      ...secrets.value,
      identityProviderPfx: idp.value.pfx,
      identityProviderPfxPasswords: idp.value.passwords,
      trustedCas: cas.value,
      pending: readPendingRequests(outputs),
      publicPfx: publicSecrets.publicPfx,
      publicPfxPasswords: publicSecrets.publicPfxPasswords,
    },
  };
}

/** The servers to bundle: all, or those named (each must exist). Sorted in enable order. */
export function selectServers(
  outputs: BundleOutputs,
  opts: { all: boolean; servers: string[] },
  stack: string,
): Parsed<string[]> {
  const known = Object.keys(outputs.servers);
  const unknown = opts.servers.filter((s) => !known.includes(s));
  if (unknown.length) {
    const awaiting = new Set((outputs.pending ?? []).filter((p) => p.awaiting).map((p) => p.server));
    return {
      ok: false,
      problems: unknown.map((s) =>
        awaiting.has(s)
          ? `--server ${s}: ${s} awaits its enterprise CA's signature and has no certificate yet: write its request ` +
            `with --requests, have it signed, commit it as signedCertificate and run npm run up`
          : `--server ${s}: stack "${stack}" has no server "${s}"; its servers: ${known.sort().join(", ") || "(none)"}`,
      ),
    };
  }
  return { ok: true, value: inEnableOrder(outputs.servers, opts.all ? known : opts.servers) };
}

/**
 * Names sorted by `enableOrder` (the vendor guide's order: management server, recording servers, then the other
 * servers with a Data Collector), then name.
 */
export function inEnableOrder(
  servers: Record<string, Pick<ServerOutput, "enableOrder">>,
  names: string[],
): string[] {
  return [...names].sort(
    (a, b) => servers[a].enableOrder - servers[b].enableOrder || (a < b ? -1 : a > b ? 1 : 0),
  );
}

/** The manifest of one server: its facts, its PFX file name and password, the roots to trust. */
export function serverManifest(outputs: BundleOutputs, stack: string, name: string): ServerManifest {
  const s = outputs.servers[name];
  return {
    contractVersion: MANIFEST_VERSION,
    stack,
    server: name,
    role: s.role,
    hostname: s.hostname,
    dnsNames: s.dnsNames,
    ipAddresses: s.ipAddresses,
    thumbprint: s.thumbprint,
    serialNumber: s.serialNumber,
    notBefore: s.notBefore,
    notAfter: s.notAfter,
    renewalDue: s.renewalDue,
    serviceName: s.serviceName,
    serviceAccount: s.serviceAccount,
    enableOrder: s.enableOrder,
    slots: s.slots,
    ...(s.intermediateCaCertificates ? { intermediateCaCertificates: s.intermediateCaCertificates } : {}),
    pfxFile: `${name}.pfx`,
    pfxPassword: outputs.pfxPasswords[name],
    trustedCaCertificates: outputs.trustedCas,
    ...(s.publicCertificate
      ? {
          publicCertificate: s.publicCertificate,
          publicPfxFile: publicPfxFileOf(name),
          publicPfxPassword: outputs.publicPfxPasswords[name],
        }
      : {}),
  };
}

/** The public certificate's PFX in the server's folder. */
export const publicPfxFileOf = (name: string): string => `${name}-public.pfx`;

/** `order.txt`: one server name a line, in enable order. */
export const orderText = (orderedNames: string[]): string => orderedNames.map((n) => `${n}\n`).join("");

/**
 * From the stack outputs (contract v1, stacks/outputs.schema.json, read with --show-secrets) to what each server
 * and client receives: the per-server manifest (scripts/bundle/manifest.schema.json), the roots to trust and the
 * enable order. Pure: no file or engine access.
 */
import { createHash } from "node:crypto";

/** Version of the per-server manifest format (the installer refuses any other). */
export const MANIFEST_VERSION = 1;

/** Where a root stands in a root rotation (`trustedCaCertificates[].status`); `active` without rotation. */
export type CaStatus = "active" | "next" | "previous";

/** A root CA every server and client must trust. */
export interface TrustedCa {
  thumbprint: string;
  notAfter: string;
  status: CaStatus;
  /** DER, base64: the `.cer` content. */
  certificateDer: string;
  /** Its file in a bundle folder: `ca-<thumbprint>.cer`. */
  file: string;
}

export interface SlotOut {
  slot: string;
  groupId: string;
  command: string;
}

/** `servers.<name>` of the outputs. */
export interface ServerOut {
  role: string;
  hostname: string;
  dnsNames: string[];
  ipAddresses: string[];
  thumbprint: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  renewalDue: string;
  serviceName: string;
  serviceAccount: string;
  enableOrder: number;
  slots: SlotOut[];
}

/** What a bundle is made of, checked. */
export interface BundleOutputs {
  servers: Record<string, ServerOut>;
  pfx: Record<string, string>;
  pfxPasswords: Record<string, string>;
  /** Every root to trust: `trustedCaCertificates` when the stack has it, else the one CA. */
  trustedCas: TrustedCa[];
}

/** The per-server manifest: `<server>.json` in the server's folder. */
export interface ServerManifest extends ServerOut {
  contractVersion: typeof MANIFEST_VERSION;
  stack: string;
  server: string;
  /** The PFX beside the manifest. */
  pfxFile: string;
  pfxPassword: string;
  trustedCaCertificates: TrustedCa[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

const THUMBPRINT = /^[0-9A-F]{40}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const STATUSES: CaStatus[] = ["active", "next", "previous"];

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (typeof v === "string" ? `"${v}"` : (JSON.stringify(v) ?? String(v)));

/** SHA-1 of a DER certificate in base64, upper-case hex: the thumbprint Windows shows. */
export const thumbprintOf = (derBase64: string): string =>
  createHash("sha1").update(Buffer.from(derBase64, "base64")).digest("hex").toUpperCase();

/** `ca-<thumbprint>.cer`. */
export const caFileName = (thumbprint: string): string => `ca-${thumbprint}.cer`;

/**
 * The roots to trust. From `trustedCaCertificates` (root rotation: active, next and previous roots) when the
 * outputs have it, else from `caCertificateDer` / `caThumbprint` / `caNotAfter` as one active root. Each
 * thumbprint is checked against the SHA-1 of its DER.
 */
export function trustedCasOf(outputs: Record<string, unknown>): Parsed<TrustedCa[]> {
  const problems: string[] = [];
  const one = (at: string, der: unknown, thumbprint: unknown, notAfter: unknown, status: unknown) => {
    if (typeof der !== "string" || !BASE64.test(der)) {
      problems.push(`${at}: the certificate DER (base64) is missing or not base64: ${show(der)}`);
      return undefined;
    }
    if (typeof thumbprint !== "string" || !THUMBPRINT.test(thumbprint)) {
      problems.push(`${at}: thumbprint ${show(thumbprint)} is not 40 upper-case hex digits`);
      return undefined;
    }
    if (thumbprintOf(der) !== thumbprint) {
      problems.push(
        `${at}: thumbprint ${thumbprint} is not the SHA-1 of its certificate (${thumbprintOf(der)}): ` +
          "the outputs are inconsistent; run npm run refresh, then npm run up",
      );
      return undefined;
    }
    if (typeof notAfter !== "string" || notAfter === "") {
      problems.push(`${at}: notAfter ${show(notAfter)} is missing`);
      return undefined;
    }
    if (!STATUSES.includes(status as CaStatus)) {
      problems.push(`${at}: status ${show(status)} is not one of ${STATUSES.join(", ")}`);
      return undefined;
    }
    return {
      thumbprint,
      notAfter,
      status: status as CaStatus,
      certificateDer: der,
      file: caFileName(thumbprint),
    };
  };

  const list = outputs.trustedCaCertificates;
  let cas: Array<TrustedCa | undefined>;
  if (list !== undefined) {
    if (!Array.isArray(list) || list.length === 0) {
      return {
        ok: false,
        problems: [`trustedCaCertificates: ${show(list)} is not a non-empty list of roots`],
      };
    }
    cas = list.map((c, i) => {
      const at = `trustedCaCertificates[${i}]`;
      if (!isMap(c)) {
        problems.push(`${at}: ${show(c)} is not an object`);
        return undefined;
      }
      return one(at, c.certificateDer, c.thumbprint, c.notAfter, c.status);
    });
  } else {
    cas = [
      one(
        "caCertificateDer/caThumbprint",
        outputs.caCertificateDer,
        outputs.caThumbprint,
        outputs.caNotAfter,
        "active",
      ),
    ];
  }
  const seen = new Set<string>();
  const unique: TrustedCa[] = [];
  for (const c of cas) {
    if (c && !seen.has(c.thumbprint)) {
      seen.add(c.thumbprint);
      unique.push(c);
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, value: unique };
}

const SERVER_STRINGS = [
  "role",
  "hostname",
  "thumbprint",
  "serialNumber",
  "notBefore",
  "notAfter",
  "renewalDue",
  "serviceName",
  "serviceAccount",
] as const;

function serverOf(name: string, v: unknown, problems: string[]): ServerOut | undefined {
  const at = `servers.${name}`;
  if (!isMap(v)) {
    problems.push(`${at}: ${show(v)} is not an object`);
    return undefined;
  }
  const before = problems.length;
  for (const f of SERVER_STRINGS) {
    if (typeof v[f] !== "string" || v[f] === "")
      problems.push(`${at}.${f}: ${show(v[f])} is missing or empty`);
  }
  if (typeof v.thumbprint === "string" && !THUMBPRINT.test(v.thumbprint)) {
    problems.push(`${at}.thumbprint: ${show(v.thumbprint)} is not 40 upper-case hex digits`);
  }
  for (const f of ["dnsNames", "ipAddresses"] as const) {
    if (!Array.isArray(v[f]) || !(v[f] as unknown[]).every((s) => typeof s === "string")) {
      problems.push(`${at}.${f}: ${show(v[f])} is not a list of strings`);
    }
  }
  if (!Number.isInteger(v.enableOrder)) {
    problems.push(
      `${at}.enableOrder: ${show(v.enableOrder)} is not an integer: outputs of an older version; run npm run up`,
    );
  }
  const slots = v.slots;
  if (!Array.isArray(slots)) problems.push(`${at}.slots: ${show(slots)} is not a list`);
  else {
    slots.forEach((s, i) => {
      if (!isMap(s) || ["slot", "groupId", "command"].some((f) => typeof s[f] !== "string")) {
        problems.push(`${at}.slots[${i}]: ${show(s)} needs slot, groupId and command`);
      }
    });
  }
  if (problems.length > before) return undefined;
  const out = Object.fromEntries(SERVER_STRINGS.map((f) => [f, v[f]])) as Record<string, unknown>;
  return {
    ...(out as Omit<ServerOut, "dnsNames" | "ipAddresses" | "enableOrder" | "slots">),
    dnsNames: [...(v.dnsNames as string[])],
    ipAddresses: [...(v.ipAddresses as string[])],
    enableOrder: v.enableOrder as number,
    slots: (slots as SlotOut[]).map(({ slot, groupId, command }) => ({ slot, groupId, command })),
  };
}

/**
 * Checks what a bundle needs of `pulumi stack output --json --show-secrets`: contract version 1, the servers, the
 * secrets shown, a PFX and a password for every server, the roots. `source` names where the JSON came from.
 */
export function parseBundleOutputs(json: unknown, source: string): Parsed<BundleOutputs> {
  if (!isMap(json) || Object.keys(json).length === 0) {
    return { ok: false, problems: [`${source} has no outputs: run npm run up for this stack first`] };
  }
  if (json.contractVersion !== 1) {
    return {
      ok: false,
      problems: [
        `contractVersion: ${show(json.contractVersion)} is not 1: use the bundle command of that version`,
      ],
    };
  }
  const problems: string[] = [];
  for (const f of ["pfx", "pfxPasswords"] as const) {
    if (json[f] === "[secret]") {
      problems.push(`${f}: the secrets are hidden ("[secret]"): read the outputs with --show-secrets`);
    } else if (!isMap(json[f])) problems.push(`${f}: ${show(json[f])} is not a map from server name`);
  }
  if (!isMap(json.servers)) problems.push(`servers: ${show(json.servers)} is not a map from server name`);
  if (problems.length) return { ok: false, problems };

  const servers: Record<string, ServerOut> = {};
  const pfx = json.pfx as Record<string, unknown>;
  const passwords = json.pfxPasswords as Record<string, unknown>;
  for (const [name, v] of Object.entries(json.servers as Record<string, unknown>)) {
    const s = serverOf(name, v, problems);
    if (s) servers[name] = s;
    if (typeof pfx[name] !== "string" || !BASE64.test(pfx[name] as string)) {
      problems.push(`pfx.${name}: the PFX (base64) is missing or not base64`);
    }
    if (typeof passwords[name] !== "string" || passwords[name] === "") {
      problems.push(`pfxPasswords.${name}: the PFX password is missing`);
    }
  }
  const cas = trustedCasOf(json);
  if (!cas.ok) problems.push(...cas.problems);
  if (problems.length || !cas.ok) return { ok: false, problems };
  return {
    ok: true,
    value: {
      servers,
      pfx: pfx as Record<string, string>,
      pfxPasswords: passwords as Record<string, string>,
      trustedCas: cas.value,
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
    return {
      ok: false,
      problems: unknown.map(
        (s) =>
          `--server ${s}: stack "${stack}" has no server "${s}"; its servers: ${known.sort().join(", ") || "(none)"}`,
      ),
    };
  }
  return { ok: true, value: inEnableOrder(outputs.servers, opts.all ? known : opts.servers) };
}

/** Names sorted by `enableOrder` (the vendor's order: event server, management server, recorders), then name. */
export function inEnableOrder(
  servers: Record<string, Pick<ServerOut, "enableOrder">>,
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
    pfxFile: `${name}.pfx`,
    pfxPassword: outputs.pfxPasswords[name],
    trustedCaCertificates: outputs.trustedCas,
  };
}

/** `order.txt`: one server name a line, in enable order. */
export const orderText = (orderedNames: string[]): string => orderedNames.map((n) => `${n}\n`).join("");

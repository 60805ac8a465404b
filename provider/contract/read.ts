/**
 * Reading a site's outputs (contract v1) as its readers need them: the envelope (an outputs object of this
 * contract version), the renewal view of each certificate, the full server entries, the secret maps and the
 * roots to trust. Every problem names its field. Pure.
 */
import { createHash } from "node:crypto";
import { FieldReader, hexOrUndefined, OutputTime, Parsed } from "./fields";
import { isRecord, shown, shownField } from "./json";
import {
  BASE64,
  CONTRACT_VERSION,
  IntermediateCaCertificate,
  SECRET_PLACEHOLDER,
  ServerOutput,
  SlotOutput,
  THUMBPRINT,
  TRUSTED_CA_STATUSES,
  TrustedCaStatus,
} from "./outputs";
import { readPublicCertificate } from "./read-public";

/** An outputs object of this contract's version, or why not (each reader phrases its own fix). */
export type Envelope =
  | { ok: true; outputs: Record<string, unknown> }
  /** Not an object, an empty object (a stack never up), or another contract's version (`shown` as text). */
  | { ok: false; problem: "not-an-object" | "empty" | "version"; shown: string };

/** Checks that `json` is an outputs object of contract version {@link CONTRACT_VERSION}. */
export function openOutputs(json: unknown): Envelope {
  if (!isRecord(json)) return { ok: false, problem: "not-an-object", shown: shown(json) };
  if (Object.keys(json).length === 0) return { ok: false, problem: "empty", shown: "{}" };
  if (json.contractVersion !== CONTRACT_VERSION) {
    return { ok: false, problem: "version", shown: shownField(json, "contractVersion") };
  }
  return { ok: true, outputs: json };
}

/** One server's certificate dates and identity: what renewals reads of `servers.<name>`. */
export interface ServerCertificateInfo {
  /** The server's name (key of `servers`). */
  server: string;
  role: string;
  hostname: string;
  /** Upper-case hex; undefined when absent or secret. */
  thumbprint?: string;
  /** Upper-case hex; undefined when absent or secret. */
  serialNumber?: string;
  notBefore: OutputTime;
  notAfter: OutputTime;
  /** notAfter minus renewBeforeDays. */
  renewalDue: OutputTime;
  /**
   * Set for a clustered management server's identity provider data-protection certificate, listed as its own
   * entry named `<server>/identity-provider` (no server's name has a "/"). It has no generation of its own in the
   * config: `pulumi up` renews it when due (autoRenew).
   */
  identityProvider?: true;
  /**
   * Set for a server's public certificate from the site's ACME CA (config `public`), listed as its own entry named
   * `<server>/public`. It has no generation in the config: `pulumi up` orders a new one once due.
   */
  publicCertificate?: true;
}

/** A request waiting for an enterprise CA's signature (`issuer: external`): what to submit, and how. */
export interface PendingRequest {
  server: string;
  role: string;
  hostname: string;
  requestId: string;
  requestedAt: string;
  /** PKCS#10, PEM. */
  certificateRequestPem: string;
  /** The AD CS template to submit it with. */
  certificateTemplate: string;
  /** True when the server has no certificate yet (awaiting signature); false for a renewal. */
  awaiting: boolean;
}

/** `certreq -submit -attrib "CertificateTemplate:<template>" <server>.csr <server>.cer`: the AD CS command. */
export const certreqCommand = (r: Pick<PendingRequest, "server" | "certificateTemplate">): string =>
  `certreq -submit -attrib "CertificateTemplate:${r.certificateTemplate}" ${r.server}.csr ${r.server}.cer`;

/** A server whose certificate an enterprise CA has not signed yet: nothing to install, no dates. */
const isAwaiting = (s: Record<string, unknown>): boolean =>
  s.issuer === "external" && s.thumbprint === undefined && typeof s.certificateRequestPem === "string";

/**
 * The requests waiting for an enterprise CA (servers with `issuer: external`), sorted by server name. Entries
 * without a request, or that are not objects, are left to the other readers to name.
 */
export function readPendingRequests(outputs: Record<string, unknown>): PendingRequest[] {
  const map = isRecord(outputs.servers) ? outputs.servers : {};
  const out: PendingRequest[] = [];
  for (const name of Object.keys(map).sort()) {
    const s = map[name];
    if (!isRecord(s) || s.issuer !== "external" || typeof s.certificateRequestPem !== "string") continue;
    out.push({
      server: name,
      role: typeof s.role === "string" ? s.role : "",
      hostname: typeof s.hostname === "string" ? s.hostname : "",
      requestId: typeof s.requestId === "string" ? s.requestId : "",
      requestedAt: typeof s.requestedAt === "string" ? s.requestedAt : "",
      certificateRequestPem: s.certificateRequestPem,
      certificateTemplate: typeof s.certificateTemplate === "string" ? s.certificateTemplate : "WebServer",
      awaiting: isAwaiting(s),
    });
  }
  return out;
}
/** The name under which renewals lists a server's identity provider certificate. */
export const identityProviderEntryName = (server: string): string => `${server}/identity-provider`;
/** The name under which renewals lists a server's public (ACME) certificate. */
export const publicCertificateEntryName = (server: string): string => `${server}/public`;

/** The certificates of a site, by their dates. */
export interface SiteCertificates {
  /** Sorted by server name; a server awaiting its first signed certificate is in `pending` only. */
  servers: ServerCertificateInfo[];
  /** Requests waiting for an enterprise CA (first certificates and renewals); absent when none waits. */
  pending?: PendingRequest[];
  ca: {
    /** Upper-case hex; undefined when absent or secret. */
    thumbprint?: string;
    notAfter: OutputTime;
  };
}

/**
 * The dates of every certificate of opened outputs. Secrets are never read; thumbprints and serials are shown
 * when present. `reader` names the command in messages.
 */
export function readSiteCertificates(
  outputs: Record<string, unknown>,
  reader: string,
): Parsed<SiteCertificates> {
  const f = new FieldReader(reader);
  const caNotAfter = f.time(outputs, "caNotAfter", "");
  const servers: ServerCertificateInfo[] = [];
  const map = f.record(outputs, "servers", "", "a map from server name to its certificate");
  for (const name of Object.keys(map ?? {}).sort()) {
    const s = f.record(map!, name, "servers", "the server's certificate details");
    if (!s || isAwaiting(s)) continue;
    const at = `servers.${name}`;
    const notBefore = f.time(s, "notBefore", at);
    const notAfter = f.time(s, "notAfter", at);
    const renewalDue = f.time(s, "renewalDue", at);
    const role = f.text(s, "role", at) ?? "";
    const hostname = f.text(s, "hostname", at) ?? "";
    if (notBefore && notAfter && renewalDue) {
      servers.push({
        server: name,
        role,
        hostname,
        thumbprint: hexOrUndefined(s.thumbprint),
        serialNumber: hexOrUndefined(s.serialNumber),
        notBefore,
        notAfter,
        renewalDue,
      });
    }
    const idp = readIdentityProvider(f, s, at);
    if (idp) servers.push({ server: identityProviderEntryName(name), role, hostname, ...idp });
    const pub = readCertificateDates(f, s, at, "publicCertificate", "the public certificate's details");
    if (pub) {
      servers.push({
        server: publicCertificateEntryName(name),
        role,
        hostname,
        ...pub,
        publicCertificate: true,
      });
    }
  }
  if (f.problems.length > 0 || !caNotAfter) return { ok: false, problems: f.problems };
  const pending = readPendingRequests(outputs);
  return {
    ok: true,
    value: {
      servers,
      ...(pending.length > 0 ? { pending } : {}),
      ca: { thumbprint: hexOrUndefined(outputs.caThumbprint), notAfter: caNotAfter },
    },
  };
}

/** `servers.<name>.identityProviderCertificate` (a clustered management server's), when present. */
function readIdentityProvider(f: FieldReader, s: Record<string, unknown>, at: string) {
  const dates = readCertificateDates(
    f,
    s,
    at,
    "identityProviderCertificate",
    "the identity provider certificate's details",
  );
  return dates && { ...dates, identityProvider: true as const };
}

/** A companion certificate's thumbprint, serial and dates (`servers.<name>.<key>`), when present. */
function readCertificateDates(
  f: FieldReader,
  s: Record<string, unknown>,
  at: string,
  key: "identityProviderCertificate" | "publicCertificate",
  what: string,
) {
  if (s[key] === undefined) return undefined;
  const c = f.record(s, key, at, what);
  if (!c) return undefined;
  const where = `${at}.${key}`;
  const thumbprint = f.thumbprint(c, "thumbprint", where);
  const serialNumber = f.text(c, "serialNumber", where);
  const notBefore = f.time(c, "notBefore", where);
  const notAfter = f.time(c, "notAfter", where);
  const renewalDue = f.time(c, "renewalDue", where);
  if (!thumbprint || !serialNumber || !notBefore || !notAfter || !renewalDue) return undefined;
  return { thumbprint, serialNumber: hexOrUndefined(serialNumber), notBefore, notAfter, renewalDue };
}

const SERVER_TEXTS = ["role", "hostname", "serialNumber", "serviceName", "serviceAccount"] as const;
const SERVER_TIMES = ["notBefore", "notAfter", "renewalDue"] as const;

/** One `servers.<name>` entry, complete, or undefined with its problems added to `f`. */
function readServer(f: FieldReader, map: Record<string, unknown>, name: string): ServerOutput | undefined {
  const v = f.record(map, name, "servers", "the server's entry (an object)");
  if (!v) return undefined;
  const at = `servers.${name}`;
  const before = f.problems.length;
  const texts = Object.fromEntries(SERVER_TEXTS.map((k) => [k, f.text(v, k, at)]));
  const times = Object.fromEntries(SERVER_TIMES.map((k) => [k, f.time(v, k, at)?.text]));
  const thumbprint = f.thumbprint(v, "thumbprint", at);
  const dnsNames = f.strings(v, "dnsNames", at);
  const ipAddresses = f.strings(v, "ipAddresses", at);
  if (!Number.isInteger(v.enableOrder)) {
    f.problem(
      `${at}.enableOrder`,
      `${shownField(v, "enableOrder")} is not an integer: outputs of an older version; run npm run up`,
    );
  }
  const slots: SlotOutput[] = [];
  if (!Array.isArray(v.slots)) f.problem(`${at}.slots`, `${shownField(v, "slots")} is not a list`);
  else {
    v.slots.forEach((s: unknown, i: number) => {
      if (
        isRecord(s) &&
        typeof s.slot === "string" &&
        typeof s.groupId === "string" &&
        typeof s.command === "string"
      ) {
        slots.push({
          slot: s.slot,
          groupId: s.groupId,
          command: s.command,
          ...(typeof s.thumbprint === "string" && THUMBPRINT.test(s.thumbprint)
            ? { thumbprint: s.thumbprint }
            : {}),
        });
      } else f.problem(`${at}.slots[${i}]`, `${shown(s)} needs slot, groupId and command`);
    });
  }
  const pub = readPublicCertificate(v.publicCertificate, at);
  if (pub.problem) f.problem(`${at}.publicCertificate`, pub.problem.replace(/^[^:]*: /, ""));
  const intermediates = readIntermediates(f, v, at);
  const clusterNodes = v.clusterNodes === undefined ? undefined : f.strings(v, "clusterNodes", at);
  const idp = readIdentityProvider(f, v, at);
  if (f.problems.length > before) return undefined;
  return {
    ...(clusterNodes ? { clusterNodes } : {}),
    ...(idp
      ? {
          identityProviderCertificate: {
            thumbprint: idp.thumbprint,
            serialNumber: idp.serialNumber ?? "",
            notBefore: idp.notBefore.text,
            notAfter: idp.notAfter.text,
            renewalDue: idp.renewalDue.text,
          },
        }
      : {}),
    ...(pub.value ? { publicCertificate: pub.value } : {}),
    ...(texts as Pick<ServerOutput, (typeof SERVER_TEXTS)[number]>),
    ...(times as Pick<ServerOutput, (typeof SERVER_TIMES)[number]>),
    thumbprint: thumbprint!,
    dnsNames: dnsNames!,
    ipAddresses: ipAddresses!,
    enableOrder: v.enableOrder as number,
    slots,
    ...(intermediates ? { intermediateCaCertificates: intermediates } : {}),
  };
}

/** `intermediateCaCertificates` when present (issuer external): each DER with the SHA-1 its thumbprint says. */
function readIntermediates(
  f: FieldReader,
  v: Record<string, unknown>,
  at: string,
): IntermediateCaCertificate[] | undefined {
  const list = v.intermediateCaCertificates;
  if (list === undefined) return undefined;
  const field = `${at}.intermediateCaCertificates`;
  if (!Array.isArray(list)) {
    f.problem(field, `${shown(list)} is not a list`);
    return undefined;
  }
  const out: IntermediateCaCertificate[] = [];
  list.forEach((c: unknown, i: number) => {
    const der = isRecord(c) ? c.certificateDer : undefined;
    const tp = isRecord(c) ? c.thumbprint : undefined;
    if (typeof der !== "string" || !BASE64.test(der) || typeof tp !== "string" || thumbprintOf(der) !== tp) {
      f.problem(`${field}[${i}]`, `${shown(c)} needs certificateDer (base64) and its SHA-1 as thumbprint`);
    } else out.push({ thumbprint: tp, certificateDer: der });
  });
  return out;
}

/**
 * Every `servers.<name>` entry of opened outputs, complete (what an installer needs). A server awaiting its first
 * signed certificate (issuer external) has nothing to install yet: it is left out (readPendingRequests names it).
 */
export function readServers(
  outputs: Record<string, unknown>,
  reader: string,
): Parsed<Record<string, ServerOutput>> {
  const f = new FieldReader(reader);
  const map = f.record(outputs, "servers", "", "a map from server name");
  const servers: Record<string, ServerOutput> = {};
  for (const name of Object.keys(map ?? {})) {
    if (isRecord(map![name]) && isAwaiting(map![name] as Record<string, unknown>)) continue;
    const s = readServer(f, map!, name);
    if (s) servers[name] = s;
  }
  return f.problems.length ? { ok: false, problems: f.problems } : { ok: true, value: servers };
}

/** The secret maps, shown (`--show-secrets`). */
export interface SiteSecrets {
  /** Server name to its PFX, base64. */
  pfx: Record<string, string>;
  /** Server name to its PFX password. */
  pfxPasswords: Record<string, string>;
}

/** The secret maps of opened outputs: shown, not "[secret]", with a PFX and a password for each of `servers`. */
export function readSecrets(outputs: Record<string, unknown>, servers: string[]): Parsed<SiteSecrets> {
  const f = new FieldReader("");
  for (const key of ["pfx", "pfxPasswords"] as const) {
    if (outputs[key] === SECRET_PLACEHOLDER) {
      f.problem(
        key,
        `the secrets are hidden ("${SECRET_PLACEHOLDER}"): read the outputs with --show-secrets`,
      );
    } else f.record(outputs, key, "", "a map from server name");
  }
  if (f.problems.length) return { ok: false, problems: f.problems };
  const pfx = outputs.pfx as Record<string, unknown>;
  const passwords = outputs.pfxPasswords as Record<string, unknown>;
  for (const name of servers) {
    if (typeof pfx[name] !== "string" || !BASE64.test(pfx[name] as string)) {
      f.problem(`pfx.${name}`, "the PFX (base64) is missing or not base64");
    }
    if (typeof passwords[name] !== "string" || passwords[name] === "") {
      f.problem(`pfxPasswords.${name}`, "the PFX password is missing");
    }
  }
  if (f.problems.length) return { ok: false, problems: f.problems };
  return {
    ok: true,
    value: { pfx: pfx as Record<string, string>, pfxPasswords: passwords as Record<string, string> },
  };
}

/** SHA-1 of a DER certificate in base64, upper-case hex: the thumbprint Windows shows. */
export const thumbprintOf = (derBase64: string): string =>
  createHash("sha1").update(Buffer.from(derBase64, "base64")).digest("hex").toUpperCase();

/** A root to trust as read from the outputs (its PEM is not needed by any reader). */
export interface TrustedRoot {
  thumbprint: string;
  notAfter: string;
  status: TrustedCaStatus;
  /** DER, base64. */
  certificateDer: string;
}

function readRoot(f: FieldReader, at: string, c: Record<string, unknown>): TrustedRoot | undefined {
  const { certificateDer: der, thumbprint, notAfter, status } = c;
  if (typeof der !== "string" || !BASE64.test(der)) {
    f.problem(at, `the certificate DER (base64) is missing or not base64: ${shown(der)}`);
  } else if (typeof thumbprint !== "string" || !THUMBPRINT.test(thumbprint)) {
    f.problem(at, `thumbprint ${shown(thumbprint)} is not 40 upper-case hex digits`);
  } else if (thumbprintOf(der) !== thumbprint) {
    f.problem(
      at,
      `thumbprint ${thumbprint} is not the SHA-1 of its certificate (${thumbprintOf(der)}): ` +
        "the outputs are inconsistent; run npm run refresh, then npm run up",
    );
  } else if (typeof notAfter !== "string" || notAfter === "") {
    f.problem(at, `notAfter ${shown(notAfter)} is missing`);
  } else if (!TRUSTED_CA_STATUSES.includes(status as TrustedCaStatus)) {
    f.problem(at, `status ${shown(status)} is not one of ${TRUSTED_CA_STATUSES.join(", ")}`);
  } else return { thumbprint, notAfter, status: status as TrustedCaStatus, certificateDer: der };
  return undefined;
}

/**
 * The roots to trust, each once. From `trustedCaCertificates` (root rotation: active, next and previous roots)
 * when the outputs have it, else from `caCertificateDer` / `caThumbprint` / `caNotAfter` as one active root.
 * Each thumbprint is checked against the SHA-1 of its DER.
 */
export function readTrustedRoots(outputs: Record<string, unknown>): Parsed<TrustedRoot[]> {
  const f = new FieldReader("");
  const list = outputs.trustedCaCertificates;
  let roots: Array<TrustedRoot | undefined>;
  if (list !== undefined) {
    if (!Array.isArray(list) || list.length === 0) {
      f.problem("trustedCaCertificates", `${shown(list)} is not a non-empty list of roots`);
      return { ok: false, problems: f.problems };
    }
    roots = list.map((c: unknown, i: number) => {
      const at = `trustedCaCertificates[${i}]`;
      if (isRecord(c)) return readRoot(f, at, c);
      f.problem(at, `${shown(c)} is not an object`);
      return undefined;
    });
  } else {
    const { caCertificateDer, caThumbprint, caNotAfter } = outputs;
    roots = [
      readRoot(f, "caCertificateDer/caThumbprint", {
        certificateDer: caCertificateDer,
        thumbprint: caThumbprint,
        notAfter: caNotAfter,
        status: "active",
      }),
    ];
  }
  if (f.problems.length) return { ok: false, problems: f.problems };
  const seen = new Set<string>();
  const unique = (roots as TrustedRoot[]).filter((r) => !seen.has(r.thumbprint) && seen.add(r.thumbprint));
  return { ok: true, value: unique };
}

/** One line per problem: `<prefix><field>: <reason>` (`outputs` alone for the whole object). */
export function formatContractProblems(problems: { field: string; reason: string }[], prefix = ""): string {
  return problems
    .map((p) => `${p.field === "outputs" ? "outputs" : `${prefix}${p.field}`}: ${p.reason}`)
    .join("\n");
}

/**
 * The `xprotect-certs:site` config: its schema, checked in code before anything is issued, and the site rules
 * of the vendor's guide. Pure: takes the parsed YAML, returns the site or failures naming server, field, value
 * and fix. Per-value checks reuse the resources' own validators, so config and provider never disagree.
 */
import { validateBindingArgs } from "../binding/check";
import { CA_ADOPT_FIELDS, validateCaArgs } from "../ca/check";
import { validateServerArgs } from "../server/check";
import { CA_KEYS as CA_FIELD_KEYS, CaFieldValues } from "../ca/fields";
import { BINDING_SETTING_KEYS, BindingFieldValues } from "../binding/fields";
import { SERVER_SETTING_KEYS, ServerFieldValues } from "../server/fields";
import { normaliseDnsName } from "../pki/names";
import { DEFAULT_MIN_STAGE_DAYS } from "../pki/limits";
import { describeValue, isUnknown, UNKNOWN } from "../validate/fields";
import { clashReason, isRecord, serverNameClashes, serverNameProblem } from "../contract";
import { ROLES, Role, Slot, ROLE_FACTS } from "../xprotect/roles";
import { clusterDnsNames, clusterRules, parseClusterNodes } from "./cluster";
import type { AcmeSpec, PublicSpec } from "../acme/fields";
import { parseAcmeConfig } from "./acme-config";

export interface SiteFailure {
  /** The server the failure is about, when it is about one. */
  server?: string;
  /** Path of the field in the config, e.g. "servers.rec01.dnsNames[1]". */
  field: string;
  reason: string;
}

/** The `ca` keys: the CA's fields (provider/ca/fields.ts). */
export const CA_KEYS = CA_FIELD_KEYS;
/**
 * Settings allowed in `defaults` and, overriding them, on each server: the certificate's and the binding's
 * setting fields (provider/server/fields.ts, provider/binding/fields.ts).
 */
export const SETTING_KEYS = [...SERVER_SETTING_KEYS, ...BINDING_SETTING_KEYS];
export const SERVER_KEYS = [
  "role",
  "hostname",
  "dnsNames",
  "ipAddresses",
  "slots",
  "signedCertificate",
  "public",
  ...SETTING_KEYS,
  // A clustered management server (provider/site/cluster.ts).
  "clusterNodes",
] as const;
const SITE_KEYS = [
  "ca",
  "nextCa",
  "issueFrom",
  "minStageDays",
  "defaults",
  "servers",
  "externalRoots",
  "externalTemplate",
  "acme",
] as const;
/** The AD CS certificate template `certreq` names when none is given (it takes the names from the request). */
export const DEFAULT_EXTERNAL_TEMPLATE = "WebServer";
/** An AD CS template's (short) name, as `certreq -attrib "CertificateTemplate:<name>"` takes it. */
const TEMPLATE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Which root issues the server certificates: `ca` (the active root), or `nextCa` (a rotation's switch). */
export const ISSUE_FROM = ["ca", "nextCa"] as const;
export type IssueFrom = (typeof ISSUE_FROM)[number];
/** Days a staged root is trusted before servers may switch to it, unless the config says otherwise. */
export { DEFAULT_MIN_STAGE_DAYS } from "../pki/limits";
/** At most about ten years: a longer wait is a mistake. */
export const MAX_MIN_STAGE_DAYS = 3650;
/** A server's settings, checked and normalised (only those the config sets, for the server or in defaults). */
export type Settings = Partial<
  Pick<ServerFieldValues, (typeof SERVER_SETTING_KEYS)[number]> & BindingFieldValues
>;

export interface ServerSpec extends Settings {
  name: string;
  /** False when `role` is not one of ROLES (reported; the site's role rules leave the server out). */
  roleKnown?: boolean;
  /** An installed certificate to adopt (base64 PFX, from xprotect-certs:serverPfx). */
  adoptPfx?: string;
  role: Role;
  hostname: string;
  dnsNames: string[];
  ipAddresses: string[];
  slots?: Slot[];
  /** With issuer external, once signed: the certificate and its chain (PEM text; the stack program reads the file). */
  signedCertificate?: string;
  /** A clustered management server's nodes (normalised): `hostname` is then the cluster's name. */
  clusterNodes?: string[];
  /** A second certificate from the site's ACME CA, for the client-facing slots (provider/site/acme-config.ts). */
  public?: PublicSpec;
}

export interface Site {
  /** The CA's fields the config gives, as checked, and the adoption inputs. */
  ca: Partial<CaFieldValues> & Partial<Record<(typeof CA_ADOPT_FIELDS)[number], string>>;
  /** A root rotation's next root (staged: made and trusted), its fields as checked; absent outside a rotation. */
  nextCa?: Partial<CaFieldValues> & { generation: number };
  /** The root that issues the server certificates. */
  issueFrom: IssueFrom;
  /**
   * True when `issueFrom: ca` is written while `nextCa` is staged: a switch undone on purpose, so the server
   * certificates may move back to `ca` (a lower generation than the root they may have now).
   */
  switchUndone?: boolean;
  /** Days the next root must have been staged before the switch (`issueFrom: nextCa`). */
  minStageDays: number;
  servers: ServerSpec[];
  /** The enterprise roots (PEM) that certificates of servers with issuer external chain to. */
  externalRoots?: string[];
  /** The AD CS template the requests are submitted with (default WebServer). */
  externalTemplate: string;
  /** The ACME CA of the servers' public certificates (config `acme`). */
  acme?: AcmeSpec;
}

/** Existing material to adopt, from the secret config keys of the same names (`xprotect-certs:caPfx`, ...). */
export interface SiteAdoption {
  caPfx?: unknown;
  caPfxPassword?: unknown;
  caCertificatePem?: unknown;
  caPrivateKeyPem?: unknown;
  /** Server name to base64 PFX; each one's password comes from pfxPasswords. */
  serverPfx?: unknown;
}

/** The CaCertificate input each CA adoption config key feeds. */
const CA_ADOPTION_KEYS = {
  caPfx: "adoptPfx",
  caPfxPassword: "adoptPfxPassword",
  caCertificatePem: "adoptCertificatePem",
  caPrivateKeyPem: "adoptPrivateKeyPem",
} as const;

type Fail = (field: string, reason: string, server?: string) => void;

export function parseSite(
  raw: unknown,
  passwordsConfig: unknown = {},
  adoption: SiteAdoption = {},
  acmeEabHmacKey?: unknown,
): { site?: Site; failures: SiteFailure[] } {
  const failures: SiteFailure[] = [];
  const fail: Fail = (field, reason, server) => failures.push({ server, field, reason });
  const pfxPasswords = mapConfig("pfxPasswords", passwordsConfig, "server name to PFX password", fail);
  if (!isRecord(raw)) {
    fail(
      "site",
      `${describeValue(raw)} is not a site: set xprotect-certs:site to a map with ca, defaults and servers (see stacks/Pulumi.example.yaml)`,
    );
    return { failures };
  }
  unknownKeys(raw, SITE_KEYS, "", fail);
  const ca = optionalObject(raw.ca, "ca", fail);
  unknownKeys(ca, CA_KEYS, "ca.", fail);
  const caInputs: Record<string, unknown> = { ...ca };
  for (const [key, input] of Object.entries(CA_ADOPTION_KEYS)) {
    const v = adoption[key as keyof typeof CA_ADOPTION_KEYS];
    if (v !== undefined && v !== null) caInputs[input] = v;
  }
  const configKeyOf = (property: string) =>
    Object.entries(CA_ADOPTION_KEYS).find(([, input]) => input === property)?.[0];
  const caCheck = validateCaArgs(caInputs);
  for (const f of caCheck.failures) {
    const key = configKeyOf(f.property);
    fail(key ? `xprotect-certs:${key}` : `ca.${f.property}`, f.reason);
  }
  const rotation = parseRotation(raw, caCheck.inputs.generation, fail);
  const serverPfx = mapConfig("serverPfx", adoption.serverPfx, "server name to base64 PFX", fail);
  const defaults = optionalObject(raw.defaults, "defaults", fail);
  unknownKeys(defaults, SETTING_KEYS, "defaults.", fail);

  if (!isRecord(raw.servers) || Object.keys(raw.servers).length === 0) {
    const what = raw.servers === undefined ? "missing" : describeValue(raw.servers);
    fail("servers", `${what}: a site needs at least one server, as a map from server name to server`);
    return { failures };
  }
  for (const clash of serverNameClashes(Object.keys(raw.servers)))
    fail(`servers.${clash.name}`, clashReason(clash), clash.name);
  const external = parseExternal(raw, fail);
  const servers: ServerSpec[] = [];
  for (const [name, value] of Object.entries(raw.servers)) {
    const pfx = own(serverPfx, name);
    const spec = parseServer(name, value, defaults, fail, pfx, own(pfxPasswords, name), raw.externalRoots);
    if (spec) servers.push(spec);
  }
  siteRules(servers, fail);
  caOutlivesRenewals(caCheck.inputs.validityDays, caCheck.adopted !== undefined, servers, fail);
  for (const name of Object.keys(serverPfx)) {
    if (!Object.hasOwn(raw.servers, name)) {
      fail(
        `xprotect-certs:serverPfx.${name}`,
        `there is no server named "${name}": use one of ${Object.keys(raw.servers).join(", ")}`,
        name,
      );
    } else if (own(pfxPasswords, name) === undefined) {
      fail(
        `pfxPasswords.${name}`,
        `missing: the PFX to adopt for ${name} (xprotect-certs:serverPfx) needs its password here`,
        name,
      );
    }
  }
  for (const [name, password] of Object.entries(pfxPasswords)) {
    if (!Object.hasOwn(raw.servers, name)) {
      fail(
        `pfxPasswords.${name}`,
        `there is no server named "${name}": use one of ${Object.keys(raw.servers).join(", ")}`,
        name,
      );
    } else if (typeof password !== "string" || password === "") {
      fail(
        `pfxPasswords.${name}`,
        `is empty or not text: set a password, or remove the entry to have one generated`,
        name,
      );
    }
  }
  const { acme, publics } = parseAcmeConfig(raw, acmeEabHmacKey, fail);
  for (const spec of servers) if (publics[spec.name]) spec.public = publics[spec.name];
  const unique = failures.filter(
    (f, i) => failures.findIndex((g) => g.field === f.field && g.reason === f.reason) === i,
  );
  const checkedCa = caCheck.inputs as unknown as Record<string, unknown>;
  const siteCa = Object.fromEntries(Object.keys(ca).map((k) => [k, checkedCa[k]])) as Site["ca"];
  for (const f of CA_ADOPT_FIELDS) if (typeof caInputs[f] === "string") siteCa[f] = caInputs[f] as string;
  return unique.length
    ? { failures: unique }
    : { site: { ca: siteCa, ...rotation, servers, ...external, ...(acme ? { acme } : {}) }, failures: [] };
}

/** The site's enterprise CA: its roots (checked with each external server) and the template requests name. */
function parseExternal(
  raw: Record<string, unknown>,
  fail: Fail,
): Pick<Site, "externalRoots" | "externalTemplate"> {
  const template = raw.externalTemplate ?? DEFAULT_EXTERNAL_TEMPLATE;
  if (typeof template !== "string" || !TEMPLATE_NAME.test(template)) {
    fail(
      "externalTemplate",
      `${describeValue(template)} is not an AD CS template name: give its short name (letters, digits, "-", "_", ".";` +
        ` at most 64), e.g. ${DEFAULT_EXTERNAL_TEMPLATE}`,
    );
  }
  const roots = raw.externalRoots;
  if (roots !== undefined && roots !== null && !Array.isArray(roots)) {
    fail(
      "externalRoots",
      `${describeValue(roots)} is not a list: write the enterprise root files as a list, e.g. [certs/corp-root.pem]`,
    );
  }
  return {
    externalTemplate: typeof template === "string" ? template : DEFAULT_EXTERNAL_TEMPLATE,
    ...(Array.isArray(roots) ? { externalRoots: roots as string[] } : {}),
  };
}

/**
 * A root rotation in three reviewed steps: stage (`nextCa` present: a new root, trusted, issuing nothing), switch
 * (`issueFrom: nextCa`: every server certificate is reissued from it, once it has been staged `minStageDays`), and
 * retire (nextCa's settings moved into `ca`, `nextCa` and `issueFrom` removed).
 */
function parseRotation(
  raw: Record<string, unknown>,
  caGeneration: number,
  fail: Fail,
): Pick<Site, "nextCa" | "issueFrom" | "minStageDays" | "switchUndone"> {
  const issueFrom = raw.issueFrom ?? "ca";
  if (!ISSUE_FROM.includes(issueFrom as IssueFrom)) {
    fail(
      "issueFrom",
      `${describeValue(issueFrom)} is not a root: use "ca" (the default) or "nextCa" (to switch)`,
    );
  }
  let minStageDays = DEFAULT_MIN_STAGE_DAYS;
  let minStageDaysSet = false;
  const m = raw.minStageDays;
  if (m !== undefined && m !== null) {
    if (typeof m !== "number" || !Number.isInteger(m) || m < 0 || m > MAX_MIN_STAGE_DAYS) {
      fail(
        "minStageDays",
        `${describeValue(m)} is not a number of days: give a whole number from 0 to ${MAX_MIN_STAGE_DAYS} (MAX_MIN_STAGE_DAYS), e.g. ${DEFAULT_MIN_STAGE_DAYS}`,
      );
    } else {
      minStageDays = m;
      minStageDaysSet = true;
    }
  }
  if (raw.nextCa === undefined || raw.nextCa === null) {
    if (issueFrom === "nextCa") {
      fail(
        "issueFrom",
        `"nextCa" names no root: there is no nextCa. To stage a new root first, add nextCa with a generation above ` +
          `ca's (${caGeneration}); after a retire, remove issueFrom`,
      );
    }
    if (minStageDaysSet) {
      // Left from a rotation, it would apply to the next one (a 0 would switch it without any wait).
      fail(
        "minStageDays",
        `${String(m)} is set without nextCa: it only counts during a root rotation, and left in the file it ` +
          `would apply to the next one, years later (0 would switch that one without any wait). Remove it: the ` +
          `retire step removes nextCa, issueFrom and minStageDays; set it again with nextCa when a rotation needs it`,
      );
    }
    return { issueFrom: "ca", minStageDays };
  }
  const next = optionalObject(raw.nextCa, "nextCa", fail);
  unknownKeys(next, CA_KEYS, "nextCa.", fail);
  const check = validateCaArgs(next);
  for (const f of check.failures) fail(`nextCa.${f.property}`, f.reason);
  if (next.generation === undefined) {
    fail("nextCa.generation", `missing: give the next root its own generation, e.g. ${caGeneration + 1}`);
  } else if (typeof check.inputs.generation === "number" && check.inputs.generation <= caGeneration) {
    fail(
      "nextCa.generation",
      `${check.inputs.generation} is not above ca.generation (${caGeneration}): the next root needs a generation of ` +
        `its own, e.g. ${caGeneration + 1}`,
    );
  }
  const checked = check.inputs as unknown as Record<string, unknown>;
  const nextCa = Object.fromEntries(Object.keys(next).map((k) => [k, checked[k]])) as Site["nextCa"];
  const switchUndone = raw.issueFrom === "ca" ? { switchUndone: true } : {};
  return { nextCa, issueFrom: issueFrom as IssueFrom, minStageDays, ...switchUndone };
}

function parseServer(
  name: string,
  value: unknown,
  defaults: Record<string, unknown>,
  fail: Fail,
  adoptPfx?: unknown,
  pfxPassword?: unknown,
  externalRoots?: unknown,
): ServerSpec | undefined {
  const at = `servers.${name}`;
  const badName = serverNameProblem(name);
  if (badName) fail(at, badName, name);
  if (!isRecord(value)) {
    fail(at, `${describeValue(value)} is not a server: give a map with at least role and hostname`, name);
    return undefined;
  }
  unknownKeys(value, SERVER_KEYS, `${at}.`, fail, name);
  const merged: Record<string, unknown> = { ...defaults, ...value };
  if (value.role === undefined) fail(`${at}.role`, `missing: give one of ${ROLES.join(", ")}`, name);
  if (value.hostname === undefined)
    fail(`${at}.hostname`, `missing: give the server's FQDN, e.g. ${name}.vms.example.local`, name);
  const external = merged.issuer === "external";
  const clusterNodes = parseClusterNodes(name, value.clusterNodes, fail);
  // A cluster's certificate names the cluster first, then every node, then any dnsNames.
  const dnsNames = clusterNodes
    ? clusterDnsNames(merged.hostname, clusterNodes, merged.dnsNames)
    : (merged.dnsNames ?? (typeof merged.hostname === "string" ? [merged.hostname] : []));
  const serverCheck = validateServerArgs({
    ...pick(merged, SETTING_KEYS),
    ...(external ? { externalRoots } : { caCertificatePem: UNKNOWN, caSigningKey: UNKNOWN }),
    signedCertificate: value.signedCertificate,
    dnsNames,
    ipAddresses: merged.ipAddresses,
    ...(adoptPfx === undefined || pfxPassword === undefined ? {} : { adoptPfx, pfxPassword }),
  });
  for (const f of serverCheck.failures) {
    if (f.property.startsWith("externalRoots")) {
      // The site's own key: reported once, where it is written.
      fail(f.property, f.reason);
      continue;
    }
    if (f.property === "adoptPfx" || f.property === "pfxPassword") {
      const key = f.property === "adoptPfx" ? `xprotect-certs:serverPfx.${name}` : `pfxPasswords.${name}`;
      fail(key, f.reason, name);
      continue;
    }
    // A bad default is reported once, where it is written.
    const key = f.property.split("[")[0];
    if (!(key in value) && key in defaults) fail(`defaults.${f.property}`, f.reason);
    else fail(`${at}.${f.property}`, f.reason, name);
  }
  if (value.role === undefined || value.hostname === undefined) return undefined;
  // A role that is not one is reported once; the role rules across the site then leave the server out.
  const roleKnown = ROLES.includes(merged.role as Role);
  const bindingCheck = validateBindingArgs({
    role: merged.role,
    hostname: merged.hostname,
    serviceAccount: merged.serviceAccount,
    slots: merged.slots,
    thumbprint: UNKNOWN,
    notAfter: UNKNOWN,
    certificateDnsNames: serverCheck.inputs.dnsNames,
    certificateRsaBits: serverCheck.inputs.rsaBits,
    certificateValidityDays: serverCheck.inputs.validityDays,
  });
  for (const f of bindingCheck.failures) {
    const field = f.property === "certificate" ? "validityDays" : f.property;
    fail(`${at}.${field}`, f.reason, name);
  }
  // The settings the config gives, as checked: passed on as they are, with the types of the fields' tables.
  const checked: Record<string, unknown> = { ...serverCheck.inputs, ...bindingCheck.inputs };
  const settings = Object.fromEntries(
    SETTING_KEYS.filter((k) => merged[k] !== undefined).map((k) => [k, checked[k]]),
  ) as Settings;
  return {
    ...settings,
    name,
    roleKnown,
    role: bindingCheck.inputs.role,
    hostname: bindingCheck.inputs.hostname,
    dnsNames: serverCheck.inputs.dnsNames,
    ipAddresses: serverCheck.inputs.ipAddresses,
    slots: value.slots === undefined ? undefined : bindingCheck.inputs.slots,
    ...(typeof adoptPfx === "string" ? { adoptPfx } : {}),
    ...(typeof value.signedCertificate === "string" ? { signedCertificate: value.signedCertificate } : {}),
    ...(clusterNodes ? { clusterNodes } : {}),
  };
}

/** The vendor guide's rules across servers. */
function siteRules(servers: ServerSpec[], fail: Fail): void {
  const byHost = new Map<string, string>();
  for (const s of servers) {
    // Not a string: reported on the server itself. Unknown (an output): its binding's check sees it at preview.
    if (typeof s.hostname !== "string" || isUnknown(s.hostname)) continue;
    const host = normaliseDnsName(s.hostname);
    const key = host.ok ? host.value : s.hostname;
    const other = byHost.get(key);
    if (other) {
      fail(
        `servers.${s.name}.hostname`,
        `"${s.hostname}" is also the host name of ${other}: each server has its own host name`,
        s.name,
      );
    } else byHost.set(key, s.name);
  }
  const ruled = servers.filter((s) => s.roleKnown !== false);
  const managers = ruled.filter((s) => s.role === "managementServer");
  for (const extra of managers.slice(1)) {
    fail(
      `servers.${extra.name}.role`,
      `a site has at most one management server, and ${managers[0].name} is one already`,
      extra.name,
    );
  }
  const slotsOf = (s: ServerSpec): readonly Slot[] => s.slots ?? ROLE_FACTS[s.role].defaultSlots;
  const mgmt = managers[0];
  if (mgmt && slotsOf(mgmt).includes("server")) {
    for (const s of ruled) {
      if (s.role !== "managementServer" && !slotsOf(s).includes("server")) {
        fail(
          `servers.${s.name}.slots`,
          `${JSON.stringify(slotsOf(s))} lacks "server": the management server (${mgmt.name}) encrypts its "server" ` +
            `slot, so this ${s.role}'s Data Collector must too: add "server" to its slots`,
          s.name,
        );
      }
    }
  }
  clusterRules(servers, fail);
}

/** A CA valid for fewer days than a server's renewBeforeDays would make that server due as soon as issued. */
function caOutlivesRenewals(caDays: number, adopted: boolean, servers: ServerSpec[], fail: Fail): void {
  if (typeof caDays !== "number") return;
  const short = servers.filter((s) => typeof s.renewBeforeDays === "number" && s.renewBeforeDays > caDays);
  if (short.length === 0) return;
  const listed = short.map((s) => `${s.name} (${String(s.renewBeforeDays)})`).join(", ");
  fail(
    "ca.validityDays",
    `${caDays} days${adopted ? " (the adopted CA's whole validity)" : ""} is shorter than renewBeforeDays of ${listed}: their certificates would be due as ` +
      `soon as issued. Give the CA more days than any server's renewBeforeDays, or lower those`,
  );
}

/**
 * A secret config key that holds a map from server name to text (`xprotect-certs:pfxPasswords`, `serverPfx`).
 * Anything else is a failure naming the key, never ignored.
 */
function mapConfig(key: string, value: unknown, what: string, fail: Fail): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (isRecord(value)) return value;
  // Secret: say what kind of value it is, never the value.
  const shown = Array.isArray(value) ? "a list" : typeof value === "string" ? "a text" : `a ${typeof value}`;
  fail(
    `xprotect-certs:${key}`,
    `is ${shown}, not a map: give ${what}, one entry per server, e.g. ` +
      `npm run pulumi -- config set --secret --path '${key}["rec01"]' ... (the value is read from standard input when left out)`,
  );
  return {};
}

/** A map's own entry (never an inherited property such as "constructor"). */
const own = (map: Record<string, unknown>, key: string): unknown =>
  Object.hasOwn(map, key) ? map[key] : undefined;

/** Fields with a name close to the unknown one are suggested. */
function unknownKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  prefix: string,
  fail: Fail,
  server?: string,
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const near = allowed.find((a) => distance(a.toLowerCase(), key.toLowerCase()) <= 2);
    fail(
      `${prefix}${key}`,
      `unknown key${near ? `: did you mean "${near}"?` : `: allowed here are ${allowed.join(", ")}`}`,
      server,
    );
  }
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

function optionalObject(value: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (isRecord(value)) return value;
  fail(field, `${describeValue(value)} is not a map of settings`);
  return {};
}

function pick(obj: Record<string, unknown>, keys: readonly string[]): Settings {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

/** All failures as one message, one line each. */
export function formatFailures(failures: SiteFailure[]): string {
  return [
    `The site config has ${failures.length} problem${failures.length === 1 ? "" : "s"}; nothing was issued or changed:`,
    ...failures.map((f) => `  - ${f.field}: ${f.reason}`),
  ].join("\n");
}

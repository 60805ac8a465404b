/**
 * The catalogue of bad inputs: one row per mistake a user can make, across CaCertificate, ServerCertificate,
 * CertificateBinding (through the providers' own `check`, as the engine calls it) and the site config (through
 * the site program, with Pulumi's mocks). Each row asserts that the message names the property (and the server,
 * for the site config), shows the bad value, and that nothing was issued: no key made, no resource registered.
 *
 * tests/validate/bad-input.test.ts checks the validators' exact wording; this catalogue checks the promise
 * end to end (check stops the engine before create; parseSite stops the program before any resource).
 * Accepted-and-normalised inputs are here too, as rows that must pass.
 */
import { FIXTURE_PASSWORD, makeFixtures } from "../helpers/vendor-fixtures";
import { domainToASCII } from "node:url";
import type { CheckFailure } from "../../provider/validate/fields";
import { caProvider, CaOutputs } from "../../provider/ca/provider";
import { serverProvider } from "../../provider/server/provider";
import { bindingProvider } from "../../provider/binding/provider";
import { recordingMocks, Registered, runSiteWithConfig } from "../helpers/site-mocks";
import { testEnv, TestEnv } from "../helpers/env";
import { caInputsOf, goodBindingArgs } from "./fixtures";

type Props = Record<string, unknown>;
type Resource = "CaCertificate" | "ServerCertificate" | "CertificateBinding";

/** One invalid argument of a resource. */
interface ProviderRow {
  resource: Resource;
  what: string;
  /** Merged over the resource's valid base arguments (undefined removes a field). */
  args: Props;
  /** The failure's property, e.g. "dnsNames[0]". */
  property: string;
  /** Text the message must contain: the bad value as shown (or, for a password, must NOT contain). */
  shows: string;
}

const row = (
  resource: Resource,
  what: string,
  args: Props,
  property: string,
  shows: string,
): ProviderRow => ({
  resource,
  what,
  args,
  property,
  shows,
});
const ca = (what: string, args: Props, property: string, shows: string) =>
  row("CaCertificate", what, args, property, shows);
const server = (what: string, args: Props, property: string, shows: string) =>
  row("ServerCertificate", what, args, property, shows);
const binding = (what: string, args: Props, property: string, shows: string) =>
  row("CertificateBinding", what, args, property, shows);

/** A vendor-like CA and server certificate, made with OpenSSL (tests/helpers/vendor-fixtures.ts). */
const FX = makeFixtures();
/** Adoption replaces the CA's own identity arguments. */
const adoptCa = (args: Props): Props => ({ commonName: undefined, rsaBits: undefined, ...args });

/** 253 characters: the longest DNS name. */
const NAME_253 = `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.vms.local`;
const LONG_NAME = `x${NAME_253}`;
const LONG_LABEL = `${"r".repeat(64)}.vms.example.local`;
const IDN = "kamera.bühl.example";
const IDN_A_LABEL = "kamera.xn--bhl-hoa.example";

const PROVIDER_ROWS: ProviderRow[] = [
  // CaCertificate: names, sizes, periods, types
  ca("an empty common name", { commonName: "" }, "commonName", `string ""`),
  ca("a common name over 64", { commonName: "C".repeat(65) }, "commonName", "CCCCCCCCCCCCCCCCCCCC..."),
  ca("a common name with a newline", { commonName: "VMS\nCA" }, "commonName", '"VMS\\nCA"'),
  ca("a number for the organization", { organization: 42 }, "organization", "number 42"),
  ca("a 1024-bit CA key", { rsaBits: 1024 }, "rsaBits", "1024"),
  ca("rsaBits as text", { rsaBits: "3072" }, "rsaBits", '"3072"'),
  ca("a CA valid 0 days", { validityDays: 0 }, "validityDays", "0 is out of range"),
  ca("a CA valid over 100 years", { validityDays: 36501 }, "validityDays", "36501"),
  ca("validityDays as text", { validityDays: "3650" }, "validityDays", 'string "3650"'),
  ca(
    "a friendly name over 128",
    { friendlyName: "F".repeat(129) },
    "friendlyName",
    "FFFFFFFFFFFFFFFFFFFF...",
  ),
  ca("a negative generation", { generation: -1 }, "generation", "-1"),
  ca("a fractional generation", { generation: 1.5 }, "generation", "1.5"),

  // ServerCertificate: DNS names
  server("a non-ASCII host name", { dnsNames: [IDN] }, "dnsNames[0]", `"${IDN_A_LABEL}"`),
  server("a wildcard", { dnsNames: ["*.vms.example.local"] }, "dnsNames[0]", '"*.vms.example.local"'),
  server("a partial wildcard", { dnsNames: ["rec*.vms.example.local"] }, "dnsNames[0]", "rec*"),
  server("a name over 253 characters", { dnsNames: [LONG_NAME] }, "dnsNames[0]", "254 characters"),
  server(
    "a first DNS name over 64 characters (it becomes the subject CN)",
    { dnsNames: [`${"r".repeat(60)}.vms.example.local`, "rec01"] },
    "dnsNames[0]",
    'is 78 characters long; the first DNS name becomes the subject CN, which holds at most 64 (RFC 5280, MAX_COMMON_NAME_LENGTH): put a shorter name first (e.g. "rec01")',
  ),
  server("a label over 63 characters", { dnsNames: [LONG_LABEL] }, "dnsNames[0]", "label of 64 characters"),
  server("an underscore", { dnsNames: ["rec_01.vms.example.local"] }, "dnsNames[0]", '"rec_01"'),
  server("a leading hyphen", { dnsNames: ["-rec01.vms.example.local"] }, "dnsNames[0]", '"-rec01"'),
  server("an empty label", { dnsNames: ["rec01..vms.local"] }, "dnsNames[0]", '"rec01..vms.local"'),
  server("an IP address as a DNS name", { dnsNames: ["10.0.0.11"] }, "dnsNames[0]", '"10.0.0.11"'),
  server("an all-numeric last label", { dnsNames: ["rec01.123"] }, "dnsNames[0]", '"rec01.123"'),
  server("no DNS name", { dnsNames: [] }, "dnsNames", "the list is empty"),
  server("a number where a list belongs", { dnsNames: 5 }, "dnsNames", "number 5"),
  server("a string where a list belongs", { dnsNames: "rec01.x" }, "dnsNames", 'string "rec01.x"'),
  server("a number in the list", { dnsNames: ["rec01.x", 7] }, "dnsNames[1]", "number 7"),
  // ServerCertificate: IP addresses
  server("a zone id", { ipAddresses: ["fe80::1%eth0"] }, "ipAddresses[0]", '"fe80::1%eth0"'),
  server("an IPv4 octet over 255", { ipAddresses: ["10.0.0.300"] }, "ipAddresses[0]", '"10.0.0.300"'),
  server("an ambiguous leading zero", { ipAddresses: ["010.0.0.1"] }, "ipAddresses[0]", '"010.0.0.1"'),
  server("nine IPv6 groups", { ipAddresses: ["1:2:3:4:5:6:7:8:9"] }, "ipAddresses[0]", "1:2:3:4:5:6:7:8:9"),
  server("two :: in IPv6", { ipAddresses: ["fd00::1::2"] }, "ipAddresses[0]", '"fd00::1::2"'),
  server("a CIDR range", { ipAddresses: ["10.0.0.0/24"] }, "ipAddresses[0]", '"10.0.0.0/24"'),
  server(
    "an IPv4-mapped IPv6 address (IPv4 clients do not match it)",
    { ipAddresses: ["::FFFF:0a00:000b"] },
    "ipAddresses[0]",
    "write 10.0.0.11",
  ),
  server("an address as a number", { ipAddresses: [167772171] }, "ipAddresses[0]", "number 167772171"),
  server("a number where a list belongs", { ipAddresses: 10 }, "ipAddresses", "number 10"),
  server(
    "the same IPv6 address twice, written differently",
    { ipAddresses: ["fd00::11", "FD00:0:0:0:0:0:0:11"] },
    "ipAddresses[1]",
    '"fd00::11" repeats',
  ),
  // ServerCertificate: sizes, periods, profiles, passwords, types
  server("a 1024-bit key", { rsaBits: 1024 }, "rsaBits", "1024"),
  server("an 8192-bit key", { rsaBits: 8192 }, "rsaBits", "8192"),
  server("valid 0 days", { validityDays: 0 }, "validityDays", "0 is out of range"),
  server("valid over 100 years", { validityDays: 36501 }, "validityDays", "36501"),
  server("a fractional validity", { validityDays: 365.25 }, "validityDays", "365.25"),
  server("validityDays as text", { validityDays: "730" }, "validityDays", 'string "730"'),
  server("a negative renewBeforeDays", { renewBeforeDays: -1 }, "renewBeforeDays", "-1"),
  server(
    "renewal due at issue",
    { validityDays: 90, renewBeforeDays: 90 },
    "renewBeforeDays",
    "90 is not less than validityDays (90)",
  ),
  server("an unknown PFX profile", { pfxProfile: "aes" }, "pfxProfile", '"aes"'),
  server("a PFX profile in the wrong case", { pfxProfile: "Modern-AES256" }, "pfxProfile", '"Modern-AES256"'),
  server("a key rotation typo", { keyRotation: "allways" }, "keyRotation", '"allways"'),
  server("autoRenew as text", { autoRenew: "yes" }, "autoRenew", 'string "yes"'),
  server("includeChain as a number", { includeChain: 1 }, "includeChain", "number 1"),
  server("a boolean friendly name", { friendlyName: true }, "friendlyName", "boolean true"),
  server("a friendly name with a tab", { friendlyName: "VMS\tSSL" }, "friendlyName", '"VMS\\tSSL"'),
  server("generation as text", { generation: "1" }, "generation", 'string "1"'),
  // Passwords are secrets: the message says what is wrong without repeating them (`shows` must be absent).
  server("an empty password", { pfxPassword: "" }, "pfxPassword", "is empty"),
  server("a password over 256", { pfxPassword: "Pw-".repeat(86) }, "pfxPassword", "258 characters"),
  server("a number as password", { pfxPassword: 123456 }, "pfxPassword", "a number is not a password"),

  // CertificateBinding: roles, slots, host names, service accounts, Apple's rules
  binding("an unknown role", { role: "webServer" }, "role", '"webServer"'),
  binding("a role in the wrong case", { role: "RecordingServer" }, "role", '"RecordingServer"'),
  binding("a role as a number", { role: 2 }, "role", "2"),
  binding("an unknown slot", { slots: ["video"] }, "slots[0]", '"video"'),
  binding("another role's slot", { slots: ["mobileStreamingMedia"] }, "slots[0]", '"mobileStreamingMedia"'),
  binding("a slot twice", { slots: ["server", "server"] }, "slots[1]", '"server" repeats'),
  binding("no slot", { slots: [] }, "slots", "the list is empty"),
  binding("a string where a list belongs", { slots: "server" }, "slots", 'string "server"'),
  binding("a wildcard host name", { hostname: "*.vms.example.local" }, "hostname", '"*.vms.example.local"'),
  binding("a non-ASCII host name", { hostname: IDN }, "hostname", `"${IDN_A_LABEL}"`),
  binding("a host name not in the certificate", { hostname: "rec02.vms.example.local" }, "hostname", "rec02"),
  binding("a number as host name", { hostname: 10 }, "hostname", "number 10"),
  binding("an account without a domain", { serviceAccount: "network service" }, "serviceAccount", "network"),
  binding("an empty account", { serviceAccount: "" }, "serviceAccount", '""'),
  binding("an account with a space before", { serviceAccount: " VMS\\svc" }, "serviceAccount", '" VMS\\svc"'),
  binding("an account with a slash", { serviceAccount: "VMS/svc-rec" }, "serviceAccount", '"VMS/svc-rec"'),
  binding("an account as a number", { serviceAccount: 42 }, "serviceAccount", "42"),
  binding("a local account as .\\name", { serviceAccount: ".\\svc-rec" }, "serviceAccount", "REC01\\svc-rec"),
  binding(
    "a mobile certificate Apple refuses",
    { role: "mobileServer", slots: undefined, certificateValidityDays: 900 },
    "certificate",
    "validityDays 900",
  ),

  // Adoption: an existing CA (PFX or PEM) or an installed server PFX that cannot be used.
  ca(
    "an adopted CA with a wrong password",
    adoptCa({ adoptPfx: FX.vendorCa.pfx3des, adoptPfxPassword: "wrong" }),
    "adoptPfxPassword",
    "the password is wrong",
  ),
  ca(
    "an adopted CA PFX without its key",
    adoptCa({ adoptPfx: FX.caPfxWithoutKey, adoptPfxPassword: FIXTURE_PASSWORD }),
    "adoptPfx",
    "holds no private key",
  ),
  ca(
    "an adopted CA key of another certificate",
    adoptCa({ adoptCertificatePem: FX.vendorCa.certPem, adoptPrivateKeyPem: FX.otherCa.keyPem }),
    "adoptPrivateKeyPem",
    "does not match the certificate",
  ),
  ca(
    "an end-entity certificate as the CA",
    adoptCa({ adoptPfx: FX.notCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD }),
    "adoptPfx",
    "CA:FALSE",
  ),
  ca(
    "a CA without keyCertSign",
    adoptCa({ adoptPfx: FX.noCertSign.pfxAes, adoptPfxPassword: FIXTURE_PASSWORD }),
    "adoptPfx",
    "lacks keyCertSign",
  ),
  ca(
    "garbage instead of a base64 PFX",
    adoptCa({ adoptPfx: "not base64!", adoptPfxPassword: "x" }),
    "adoptPfx",
    "is not base64 (11 characters, without a PEM header; its text is not shown)", // a secret: never its text
  ),
  server(
    "an installed PFX from another CA",
    {
      adoptPfx: FX.vendorServer.pfx3des,
      pfxPassword: FIXTURE_PASSWORD,
      dnsNames: ["rec01.vms.example.local"],
      ipAddresses: undefined,
    },
    "adoptPfx",
    "not issued by the stack's CA",
  ),
  server(
    "an installed PFX with a wrong password",
    { adoptPfx: FX.vendorServer.pfx3des, pfxPassword: "Wrong-Pw-1" },
    "pfxPassword",
    "the password is wrong",
  ),
];

/** One invalid site config: `mutate` spoils a valid site. */
interface SiteRow {
  what: string;
  mutate: (s: Site) => void;
  /** The failure's config path, e.g. "servers.rec01.rsaBits". */
  field: string;
  /** The server it is about (the path then starts with servers.<server>), when it is about one. */
  server?: string;
  shows: string;
  passwords?: Record<string, string>;
  /** The whole config value instead of a spoiled site (a site that is not a map). */
  replace?: { value: unknown };
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed-YAML-shaped test data, mutated freely
type Site = Record<string, any>;

const SITE_ROWS: SiteRow[] = [
  {
    what: "a site that is a number",
    mutate: () => undefined,
    replace: { value: 3 },
    field: "site",
    shows: "number 3",
  },
  {
    what: "a site that is a list",
    mutate: () => undefined,
    replace: { value: [] },
    field: "site",
    shows: "a list ([])",
  },
  {
    what: "an empty site",
    mutate: (s) => Object.keys(s).forEach((k) => delete s[k]),
    field: "servers",
    shows: "missing",
  },
  { what: "no servers", mutate: (s) => (s.servers = {}), field: "servers", shows: "an object ({})" },
  { what: "a list of servers", mutate: (s) => (s.servers = ["rec01"]), field: "servers", shows: '["rec01"]' },
  { what: "an unknown top-level key", mutate: (s) => (s.server = {}), field: "server", shows: '"servers"' },
  {
    what: "an unknown CA key",
    mutate: (s) => (s.ca.keySize = 4096),
    field: "ca.keySize",
    shows: "unknown key",
  },
  {
    what: "an unknown defaults key",
    mutate: (s) => (s.defaults.validity = 365),
    field: "defaults.validity",
    shows: "unknown key: allowed here are validityDays,",
  },
  {
    what: "an unknown server key",
    mutate: (s) => (s.servers.rec01.dnsName = ["rec01.vms.example.local"]),
    field: "servers.rec01.dnsName",
    server: "rec01",
    shows: '"dnsNames"',
  },
  {
    what: "a server name with a space",
    mutate: (s) => (s.servers["rec 03"] = { role: "recordingServer", hostname: "rec03.vms.example.local" }),
    field: "servers.rec 03",
    server: "rec 03",
    shows: '"rec 03"',
  },
  {
    what: "a server that is a string",
    mutate: (s) => (s.servers.rec02 = "recordingServer"),
    field: "servers.rec02",
    server: "rec02",
    shows: 'string "recordingServer"',
  },
  {
    what: "a missing role",
    mutate: (s) => delete s.servers.rec02.role,
    field: "servers.rec02.role",
    server: "rec02",
    shows: "missing",
  },
  {
    what: "a number where the DNS name list belongs",
    mutate: (s) => (s.servers.rec01.dnsNames = 5),
    field: "servers.rec01.dnsNames",
    server: "rec01",
    shows: "number 5",
  },
  {
    what: "a string where a number belongs",
    mutate: (s) => (s.servers.rec01.rsaBits = "2048"),
    field: "servers.rec01.rsaBits",
    server: "rec01",
    shows: '"2048"',
  },
  {
    what: "a non-ASCII host name",
    mutate: (s) => (s.servers.rec01.hostname = "rec01.überwachung.example"),
    field: "servers.rec01.hostname",
    server: "rec01",
    shows: '"rec01.xn--berwachung-8db.example"',
  },
  {
    what: "a wildcard DNS name",
    mutate: (s) => (s.servers.rec01.dnsNames = ["rec01.vms.example.local", "*.vms.example.local"]),
    field: "servers.rec01.dnsNames[1]",
    server: "rec01",
    shows: '"*.vms.example.local"',
  },
  {
    what: "a zone id",
    mutate: (s) => (s.servers.rec02.ipAddresses = ["fe80::12%eth0"]),
    field: "servers.rec02.ipAddresses[0]",
    server: "rec02",
    shows: '"fe80::12%eth0"',
  },
  {
    what: "a bad default, reported where it is written",
    mutate: (s) => (s.defaults.validityDays = -30),
    field: "defaults.validityDays",
    shows: "-30",
  },
  {
    what: "a role of another product",
    mutate: (s) => (s.servers.rec02.role = "storageServer"),
    field: "servers.rec02.role",
    server: "rec02",
    shows: '"storageServer"',
  },
  {
    what: "a bad service account",
    mutate: (s) => (s.servers.rec02.serviceAccount = "svc-rec"),
    field: "servers.rec02.serviceAccount",
    server: "rec02",
    shows: '"svc-rec"',
  },
  {
    what: "a duplicate host name",
    mutate: (s) => (s.servers.rec02.hostname = "REC01.vms.example.local."),
    field: "servers.rec02.hostname",
    server: "rec02",
    shows: "also the host name of rec01",
  },
  {
    what: "a host name not among the DNS names",
    mutate: (s) => (s.servers.rec01.hostname = "rec09.vms.example.local"),
    field: "servers.rec01.hostname",
    server: "rec01",
    shows: '"rec09.vms.example.local"',
  },
  {
    what: "two management servers",
    mutate: (s) => (s.servers.rec02.role = "managementServer"),
    field: "servers.rec02.role",
    server: "rec02",
    shows: "mgmt01 is one already",
  },
  {
    what: "a recorder without the server slot while the management server encrypts",
    mutate: (s) => (s.servers.rec02.slots = ["streamingMedia"]),
    field: "servers.rec02.slots",
    server: "rec02",
    shows: "recordingServer's Data Collector must too",
  },
  {
    what: "a mobile certificate too long for Apple",
    mutate: (s) => (s.servers.mobile01.validityDays = 1000),
    field: "servers.mobile01.validityDays",
    server: "mobile01",
    shows: "validityDays 1000",
  },
  {
    what: "a password for a server that does not exist",
    mutate: () => undefined,
    passwords: { rec99: "S0me-Passw0rd" },
    field: "pfxPasswords.rec99",
    server: "rec99",
    shows: '"rec99"',
  },
];

/** A valid small site: management, two recorders, a mobile server. */
function baseSite(): Site {
  return {
    ca: { commonName: "Catalogue CA", rsaBits: 2048 },
    defaults: { validityDays: 730, pfxProfile: "legacy-3des" },
    servers: {
      mgmt01: { role: "managementServer", hostname: "mgmt01.vms.example.local" },
      rec01: {
        role: "recordingServer",
        hostname: "rec01.vms.example.local",
        dnsNames: ["rec01.vms.example.local", "rec01"],
      },
      rec02: { role: "recordingServer", hostname: "rec02.vms.example.local", ipAddresses: ["10.0.0.12"] },
      mobile01: { role: "mobileServer", hostname: "mobile01.vms.example.com", validityDays: 398 },
    },
  };
}

// ---- the engine's side, emulated: check, and create only when check found nothing ----

let env: TestEnv;
let siteCa: CaOutputs;

const providerOf = (resource: Resource, e: TestEnv) =>
  resource === "CaCertificate"
    ? caProvider(e)
    : resource === "ServerCertificate"
      ? serverProvider(e)
      : bindingProvider();

function baseArgs(resource: Resource): Props {
  if (resource === "CaCertificate") return { commonName: "Catalogue CA", rsaBits: 2048 };
  if (resource === "ServerCertificate") {
    return {
      ...caInputsOf(siteCa),
      dnsNames: ["rec01.vms.example.local", "rec01"],
      ipAddresses: ["10.0.0.11"],
    };
  }
  return goodBindingArgs();
}

const withArgs = (base: Props, over: Props): Props => {
  const out = { ...base, ...over };
  for (const [k, v] of Object.entries(over)) if (v === undefined) delete out[k];
  return out;
};

/** What the engine does for a new resource: check; create only when check reported no failure. */
async function engineCreate(resource: Resource, args: Props) {
  const p = providerOf(resource, env);
  const keysBefore = env.keys;
  const checked = await p.check!({}, args);
  const failures: CheckFailure[] = checked.failures ?? [];
  const created = failures.length === 0 ? await p.create(checked.inputs) : undefined;
  return { failures, inputs: checked.inputs as Props, created, keysMade: env.keys - keysBefore };
}

// ---- the site program under Pulumi's mocks: anything registered is recorded ----

let registered: Registered[] = [];

beforeAll(async () => {
  env = testEnv();
  const p = caProvider(env);
  siteCa = (await p.create((await p.check!({}, { rsaBits: 2048 })).inputs)).outs as CaOutputs;
  registered = await recordingMocks("catalogue", "2028-01-15T09:00:00.000Z");
});

function runSite(site: unknown, passwords?: Record<string, string>): Promise<Error | undefined> {
  const config: Record<string, string> = { site: JSON.stringify(site) };
  if (passwords) config.pfxPasswords = JSON.stringify(passwords);
  return runSiteWithConfig(registered, config, passwords ? ["pfxPasswords"] : []);
}

// ---- the rows ----

test("the catalogue has at least 40 invalid inputs, across the three resources and the site config", () => {
  const per = (r: Resource) => PROVIDER_ROWS.filter((x) => x.resource === r).length;
  console.log(
    `catalogue: ${PROVIDER_ROWS.length + SITE_ROWS.length} invalid inputs (CaCertificate ${per("CaCertificate")}, ` +
      `ServerCertificate ${per("ServerCertificate")}, CertificateBinding ${per("CertificateBinding")}, ` +
      `site config ${SITE_ROWS.length}); ${NORMALISED.length} accepted-and-normalised`,
  );
  expect(PROVIDER_ROWS.length + SITE_ROWS.length).toBeGreaterThanOrEqual(40);
  for (const r of ["CaCertificate", "ServerCertificate", "CertificateBinding"] as const)
    expect(per(r)).toBeGreaterThan(0);
});

test("the A-labels the messages give are the ones node:url's domainToASCII makes", () => {
  expect(domainToASCII(IDN)).toBe(IDN_A_LABEL);
  expect(domainToASCII("rec01.überwachung.example")).toBe("rec01.xn--berwachung-8db.example");
});

describe.each(PROVIDER_ROWS.map((r) => [`${r.resource}: ${r.what}`, r] as const))("%s", (_name, r) => {
  test("is refused by check, naming the property and showing the value; nothing is issued", async () => {
    const result = await engineCreate(r.resource, withArgs(baseArgs(r.resource), r.args));
    const failure = result.failures.find((f) => f.property === r.property);
    expect({ failures: result.failures, property: r.property }).toEqual({
      failures: expect.arrayContaining([expect.objectContaining({ property: r.property })]),
      property: r.property,
    });
    expect(failure!.reason.startsWith(`${r.property}: `)).toBe(true);
    if (r.property === "pfxPassword") {
      expect(failure!.reason).toContain(r.shows);
      if (typeof r.args.pfxPassword === "string" && r.args.pfxPassword)
        expect(failure!.reason).not.toContain(r.args.pfxPassword);
    } else expect(failure!.reason).toContain(r.shows);
    expect(result.created).toBeUndefined();
    expect(result.keysMade).toBe(0);
  });
});

describe.each(SITE_ROWS.map((r) => [r.what, r] as const))("site config: %s", (_name, r) => {
  test("stops the program before any resource, naming the server and field and showing the value", async () => {
    const site = baseSite();
    r.mutate(site);
    const error = await runSite(r.replace ? r.replace.value : site, r.passwords);
    expect(error?.message).toMatch(/^The site config has \d+ problems?; nothing was issued or changed:/);
    const line = error!.message.split("\n").find((l) => l.startsWith(`  - ${r.field}: `));
    expect({ field: r.field, line }).toEqual({ field: r.field, line: expect.any(String) });
    if (r.server)
      expect(r.field.startsWith(`servers.${r.server}`) || r.field.endsWith(`.${r.server}`)).toBe(true);
    expect(line).toContain(r.shows);
    expect(registered).toEqual([]);
  });
});

/** Inputs that are accepted, and what they become. */
interface NormalisedRow {
  what: string;
  resource: "ServerCertificate" | "CertificateBinding";
  args: Props;
  expected: Props;
}
const NORMALISED: NormalisedRow[] = [
  {
    what: "a trailing dot is stripped",
    resource: "ServerCertificate",
    args: { dnsNames: ["rec01.vms.example.local."] },
    expected: { dnsNames: ["rec01.vms.example.local"] },
  },
  {
    what: "a name of 253 characters, with its trailing dot (254), after a first name short enough for the CN",
    resource: "ServerCertificate",
    args: { dnsNames: ["rec01.vms.example.local", `${NAME_253}.`] },
    expected: { dnsNames: ["rec01.vms.example.local", NAME_253] },
  },
  {
    what: "upper case is lower-cased",
    resource: "ServerCertificate",
    args: { dnsNames: ["REC01.VMS.Example.LOCAL", "Rec01"] },
    expected: { dnsNames: ["rec01.vms.example.local", "rec01"] },
  },
  {
    what: "a host name in upper case with a trailing dot",
    resource: "CertificateBinding",
    args: { hostname: "REC01.vms.example.local." },
    expected: { hostname: "rec01.vms.example.local" },
  },
  {
    what: "IPv6 expanded is compressed (RFC 5952)",
    resource: "ServerCertificate",
    args: { ipAddresses: ["FD00:0000:0000:0000:0000:0000:0000:0011"] },
    expected: { ipAddresses: ["fd00::11"] },
  },
  {
    what: "IPv6 compression picks the longest run of zeros, the first on a tie, never a single group",
    resource: "ServerCertificate",
    args: { ipAddresses: ["2001:db8:0:0:1:0:0:1", "1:0:0:1:0:0:0:1", "2001:db8:0:1:1:1:1:1"] },
    expected: { ipAddresses: ["2001:db8::1:0:0:1", "1:0:0:1::1", "2001:db8:0:1:1:1:1:1"] },
  },
  {
    what: "IPv6 already compressed stays, lower case",
    resource: "ServerCertificate",
    args: { ipAddresses: ["FD00::12", "::1"] },
    expected: { ipAddresses: ["fd00::12", "::1"] },
  },
];

describe.each(NORMALISED.map((r) => [r.what, r] as const))("accepted: %s", (_name, r) => {
  test("passes check, normalised", async () => {
    const p = providerOf(r.resource, env);
    const checked = await p.check!({}, withArgs(baseArgs(r.resource), r.args));
    expect(checked.failures ?? []).toEqual([]);
    expect(checked.inputs).toMatchObject(r.expected);
  });
});

test("accepted: the site config normalises host names, DNS names and addresses before anything is registered", async () => {
  const site = baseSite();
  site.servers.rec01 = {
    role: "recordingServer",
    hostname: "REC01.VMS.example.local.",
    ipAddresses: ["10.0.0.11", "FD00:0:0:0::11"],
  };
  expect(await runSite(site)).toBeUndefined();
  const cert = registered.find((r) => r.type === "ServerCertificate" && r.name === "site-rec01")!;
  const bound = registered.find((r) => r.type === "CertificateBinding" && r.name === "site-rec01")!;
  expect(cert.inputs.dnsNames).toEqual(["rec01.vms.example.local"]);
  expect(cert.inputs.ipAddresses).toEqual(["10.0.0.11", "fd00::11"]);
  expect(bound.inputs.hostname).toBe("rec01.vms.example.local");
});

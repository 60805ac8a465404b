/**
 * The product's promise on the real Pulumi engine (the CLI built from the Go module proxy, an Automation API
 * inline program of stacks/index.ts, a throw-away file backend). The steps run in order and share one stack.
 * Each prints its wall time; the state's size per certificate is printed at the end.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { siteProgram } from "../../stacks";
import { tempSite, TempSite } from "../engine/harness";
import { openssl } from "../helpers/openssl";
import { plaintextLeaks, secretsOf } from "../helpers/secrets";

const DAY = 86400000;
const SERVERS = ["mgmt01", "rec01", "rec02", "failover01", "mobile01", "event01"];
/** Resources beside each server's certificate and binding: the stack, the XProtectSite component, the CA. */
const STACK_SITE_CA = 3;
const CA_URN_TYPE = "pulumi-nodejs:dynamic/xprotect-certs:CaCertificate";

/** Like the example site, with rec01 short-lived so that a clock move makes it (alone) due. */
function siteConfig(over: (s: Site) => void = () => undefined): Site {
  const s: Site = {
    ca: { commonName: "E2E Test CA", rsaBits: 2048, validityDays: 3650 },
    defaults: { validityDays: 730, renewBeforeDays: 30 },
    servers: {
      mgmt01: {
        role: "managementServer",
        hostname: "mgmt01.vms.example.local",
        dnsNames: ["mgmt01.vms.example.local", "mgmt01"],
        ipAddresses: ["10.0.0.10"],
      },
      rec01: {
        role: "recordingServer",
        hostname: "rec01.vms.example.local",
        validityDays: 60,
        renewBeforeDays: 30,
      },
      rec02: {
        role: "recordingServer",
        hostname: "rec02.vms.example.local",
        ipAddresses: ["10.0.0.12", "fd00::12"],
      },
      failover01: { role: "failoverRecordingServer", hostname: "failover01.vms.example.local" },
      mobile01: { role: "mobileServer", hostname: "mobile.vms.example.com", pfxProfile: "modern-aes256" },
      event01: {
        role: "eventServer",
        hostname: "event01.vms.example.local",
        serviceAccount: "VMS\\svc-event",
      },
    },
  };
  over(s);
  return s;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed-YAML-shaped test data
type Site = Record<string, any>;

interface ServerOut {
  thumbprint: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  renewalDue: string;
  slots: Array<{ command: string }>;
}
type Outputs = {
  caThumbprint: string;
  caCertificatePem: string;
  servers: Record<string, ServerOut>;
  pfx: Record<string, string>;
  pfxPasswords: Record<string, string>;
};

let site: TempSite;
let keylog: string;
const keysMade = () =>
  existsSync(keylog) ? readFileSync(keylog, "utf8").split("\n").filter(Boolean).length : 0;
const stepTimes: Array<[string, number]> = [];

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    stepTimes.push([name, Date.now() - t]);
    console.log(`e2e step "${name}": ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
}

const setSite = (s: Site, passwords?: Record<string, string>) =>
  site.setConfig({
    "xprotect-certs:site": { value: JSON.stringify(s) },
    ...(passwords
      ? { "xprotect-certs:pfxPasswords": { value: JSON.stringify(passwords), secret: true } }
      : {}),
  });

/** What was issued: every resource's URN, id, inputs and outputs (decrypted; engine bookkeeping left out). */
const issued = async () =>
  JSON.stringify(
    ((await site.exportState({ showSecrets: true })).deployment.resources ?? []).map(
      (r: { urn: string; id?: string; inputs?: unknown; outputs?: unknown }) => [
        r.urn,
        r.id,
        r.inputs,
        r.outputs,
      ],
    ),
  );
const outputs = async () => (await site.outputs()) as unknown as Outputs;
const thumbprints = (o: Outputs) => Object.fromEntries(SERVERS.map((s) => [s, o.servers[s].thumbprint]));
const resourcesOf = (deployment: { deployment: { resources?: Array<{ type: string }> } }, type: string) =>
  (deployment.deployment.resources ?? []).filter(
    (r) => r.type === `pulumi-nodejs:dynamic/xprotect-certs:${type}`,
  );

/** Opens a server's PFX with OpenSSL and verifies its certificate against the CA (at a given time). */
function checkPfx(o: Outputs, server: string, atTime?: Date) {
  const opened = openssl(["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nokeys", "-clcerts"], {
    "s.pfx": Buffer.from(o.pfx[server], "base64"),
    pw: o.pfxPasswords[server],
  });
  expect(opened.status).toBe(0);
  const leaf = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(opened.stdout)![0];
  const at = atTime ? ["-attime", String(Math.floor(atTime.getTime() / 1000))] : [];
  const verified = openssl(["verify", ...at, "-purpose", "sslserver", "-CAfile", "ca.pem", "leaf.pem"], {
    "ca.pem": o.caCertificatePem,
    "leaf.pem": leaf,
  });
  expect(verified.stdout.trim()).toBe("leaf.pem: OK");
  const fp = openssl(["x509", "-in", "leaf.pem", "-noout", "-fingerprint", "-sha1", "-subject"], {
    "leaf.pem": leaf,
  });
  const [fingerprint, subject] = fp.stdout.trim().split("\n");
  expect(fingerprint.split("=")[1].replace(/:/g, "")).toBe(o.servers[server].thumbprint);
  return subject.replace(/^subject=/, "");
}

beforeAll(
  async () => {
    keylog = join(mkdtempSync(join(tmpdir(), "xpc-keylog-")), "keys.log");
    appendFileSync(keylog, "");
    site = await tempSite({ stackName: "e2e", program: siteProgram, env: { XPROTECT_CERTS_KEYLOG: keylog } });
    await setSite(siteConfig());
  },
  15 * 60 * 1000,
);

afterAll(async () => {
  console.log(`e2e timings: ${stepTimes.map(([n, ms]) => `${n} ${(ms / 1000).toFixed(1)} s`).join("; ")}`);
  await site?.cleanup();
});

let first: Outputs;

test("1. the first up creates the CA, every certificate and binding; PFXs open and verify; outputs fit the contract", async () => {
  const r = await step("first up", () => site.up());
  expect(r.changeSummary).toEqual({ create: STACK_SITE_CA + SERVERS.length * 2 });
  first = await outputs();
  const state = await site.exportState();
  expect(resourcesOf(state, "CaCertificate")).toHaveLength(1);
  expect(resourcesOf(state, "ServerCertificate")).toHaveLength(SERVERS.length);
  expect(resourcesOf(state, "CertificateBinding")).toHaveLength(SERVERS.length);
  const schema = JSON.parse(readFileSync(join(__dirname, "../../stacks/outputs.schema.json"), "utf8"));
  const validate = new Ajv2020({ allErrors: true }).compile(schema);
  validate(first);
  expect(validate.errors ?? []).toEqual([]);
  for (const s of SERVERS) checkPfx(first, s);
  expect(keysMade()).toBe(1 + SERVERS.length);
  console.log(
    `e2e state: ${JSON.stringify(state).length} bytes, ${Math.round(JSON.stringify(state).length / SERVERS.length)} bytes per certificate`,
  );
});

test("2. a second up changes nothing and makes no key", async () => {
  const keys = keysMade();
  const r = await step("no-op up", () => site.up());
  expect(r.changeSummary).toEqual({ same: STACK_SITE_CA + SERVERS.length * 2 });
  expect(thumbprints(await outputs())).toEqual(thumbprints(first));
  expect(keysMade()).toBe(keys);
});

test("3. new DNS names for one server update exactly its certificate and binding", async () => {
  await setSite(siteConfig((s) => (s.servers.rec02.dnsNames = ["rec02.vms.example.local", "rec02"])));
  const r = await step("change DNS names", () => site.up());
  expect(r.changeSummary).toEqual({ update: 2, same: SERVERS.length * 2 + 1 });
  const o = await outputs();
  expect(o.servers.rec02.thumbprint).not.toBe(first.servers.rec02.thumbprint);
  expect(o.servers.rec02.slots[0].command).toContain(`/thumbprint=${o.servers.rec02.thumbprint}`);
  for (const s of SERVERS.filter((x) => x !== "rec02"))
    expect(o.servers[s].thumbprint).toBe(first.servers[s].thumbprint);
  checkPfx(o, "rec02");
  first = o;
});

test("4. a new PFX password rebuilds that PFX only: thumbprint unchanged", async () => {
  const keys = keysMade();
  await setSite(
    siteConfig((s) => (s.servers.rec02.dnsNames = ["rec02.vms.example.local", "rec02"])),
    { rec01: "a brand new password" },
  );
  const r = await step("change PFX password", () => site.up());
  expect(r.changeSummary).toEqual({ update: 1, same: SERVERS.length * 2 + 2 });
  const o = await outputs();
  expect(o.pfxPasswords.rec01).toBe("a brand new password");
  expect(o.pfx.rec01).not.toBe(first.pfx.rec01);
  expect(thumbprints(o)).toEqual(thumbprints(first));
  expect(keysMade()).toBe(keys);
  checkPfx(o, "rec01");
  first = o;
});

test("5. past renewal time, preview shows exactly the due certificates and up reissues them, CA untouched", async () => {
  const later = new Date(Date.parse(first.servers.rec01.notBefore) + 40 * DAY);
  expect(later.getTime()).toBeGreaterThan(Date.parse(first.servers.rec01.renewalDue));
  for (const s of SERVERS.filter((x) => x !== "rec01"))
    expect(later.getTime()).toBeLessThan(Date.parse(first.servers[s].renewalDue));
  site.setEnv({ XPROTECT_CERTS_NOW: later.toISOString() });
  process.env.XPROTECT_CERTS_NOW = later.toISOString();
  try {
    const p = await step("preview at a later date", () => site.preview());
    expect(p.changeSummary).toEqual({ update: 2, same: SERVERS.length * 2 + 1 });
    expect(p.stdout).toMatch(
      /~ +pulumi-nodejs:dynamic\/xprotect-certs:ServerCertificate +site-rec01 +update/,
    );
    const r = await step("renewal up", () => site.up());
    expect(r.changeSummary).toEqual({ update: 2, same: SERVERS.length * 2 + 1 });
    const o = await outputs();
    expect(o.caThumbprint).toBe(first.caThumbprint);
    expect(o.servers.rec01.thumbprint).not.toBe(first.servers.rec01.thumbprint);
    expect(Date.parse(o.servers.rec01.notAfter)).toBe(later.getTime() - (later.getTime() % 1000) + 60 * DAY);
    expect(checkPfx(o, "rec01", new Date(later.getTime() + DAY))).toBe("CN = rec01.vms.example.local");
    for (const s of SERVERS.filter((x) => x !== "rec01"))
      expect(o.servers[s].thumbprint).toBe(first.servers[s].thumbprint);
    first = o;
  } finally {
    site.setEnv({ XPROTECT_CERTS_NOW: undefined });
    delete process.env.XPROTECT_CERTS_NOW;
  }
  await setSite(
    siteConfig((s) => {
      s.servers.rec02.dnsNames = ["rec02.vms.example.local", "rec02"];
      s.servers.failover01.generation = 1;
    }),
    { rec01: "a brand new password" },
  );
  const g = await step("generation bump", () => site.up());
  expect(g.changeSummary).toEqual({ update: 2, same: SERVERS.length * 2 + 1 });
  const o = await outputs();
  expect(o.servers.failover01.thumbprint).not.toBe(first.servers.failover01.thumbprint);
  first = o;
});

test("5b. renaming the CA: preview and up both touch the CA only (the servers know it by its id)", async () => {
  const keys = keysMade();
  await setSite(
    siteConfig((s) => {
      s.servers.rec02.dnsNames = ["rec02.vms.example.local", "rec02"];
      s.servers.failover01.generation = 1;
      s.ca = { ...s.ca, friendlyName: "Renamed VMS CA" };
    }),
    { rec01: "a brand new password" },
  );
  const p = await step("preview of a CA rename", () => site.preview());
  expect(p.changeSummary).toEqual({ update: 1, same: SERVERS.length * 2 + 2 });
  const r = await step("CA rename", () => site.up());
  expect(r.changeSummary).toEqual({ update: 1, same: SERVERS.length * 2 + 2 });
  const o = await outputs();
  expect(o.caThumbprint).toBe(first.caThumbprint);
  expect(thumbprints(o)).toEqual(thumbprints(first));
  expect(keysMade()).toBe(keys);
});

test("6. the state holds no secret in plain text: keys (PEM and compact), PFX, passwords", async () => {
  const stored = await site.exportState();
  const decrypted = await site.exportState({ showSecrets: true });
  const secrets = secretsOf(stored, decrypted);
  // Every form the code writes is among them: the CA key as PEM and in compact form, each PFX and password.
  const all = [...secrets];
  expect(all).toContain("PRIVATE KEY");
  expect(all.some((x) => x.startsWith("rsa-pq1."))).toBe(true);
  for (const s of SERVERS) {
    expect(secrets.has(first.pfx[s])).toBe(true);
    expect(secrets.has(first.pfxPasswords[s])).toBe(true);
  }
  expect(plaintextLeaks(secrets, JSON.stringify(stored), site.backendDir)).toEqual([]);
});

test("7. a change that would replace the protected CA fails at preview and changes nothing", async () => {
  const before = await issued();
  const base = (s: Site) => {
    s.servers.rec02.dnsNames = ["rec02.vms.example.local", "rec02"];
    s.servers.failover01.generation = 1;
  };
  await setSite(siteConfig((s) => (base(s), (s.ca.commonName = "Another CA"))));
  const accidental = await step("preview of an accidental CA change", () => site.npmRun("preview"));
  expect(accidental.code).not.toBe(0);
  expect(accidental.output).toMatch(
    /commonName: changing it from "E2E Test CA" to "Another CA" would make a new root CA/,
  );
  await setSite(siteConfig((s) => (base(s), (s.ca.commonName = "Another CA"), (s.ca.generation = 1))));
  const onPurpose = await step("preview of a deliberate CA change, still protected", () =>
    site.npmRun("preview"),
  );
  expect(onPurpose.code).not.toBe(0);
  expect(onPurpose.output).toMatch(
    // Roots are named by generation (README "Rotating the root CA"): the generation-1 root is site-ca-g1.
    /unable to replace resource .*CaCertificate::site-ca-g1"\s+as it is currently marked for protection/,
  );
  await setSite(siteConfig(base), { rec01: "a brand new password" });
  expect(await issued()).toBe(before);
});

test("8. an invalid config fails at preview with a field-named message and leaves the state as it was", async () => {
  const before = await issued();
  await setSite(siteConfig((s) => (s.servers.rec01.rsaBits = 1024)));
  const e = await step("preview of an invalid config", () => site.npmRun("preview"));
  expect(e.code).not.toBe(0);
  expect(e.output).toMatch(/servers\.rec01\.rsaBits: 1024 is not allowed: use one of 2048, 3072, 4096/);
  // The list once, and no stack trace.
  expect(e.output.match(/- servers\.rec01\.rsaBits: 1024/g)).toHaveLength(1);
  expect(e.output).not.toMatch(/Unhandled exception|\n\s+at .*\.js:\d+/);
  const u = await site.npmRun("up");
  expect(u.code).not.toBe(0);
  expect(u.output).toMatch(/nothing was issued or changed/);
  expect(await issued()).toBe(before);
  await setSite(
    siteConfig((s) => {
      s.servers.rec02.dnsNames = ["rec02.vms.example.local", "rec02"];
      s.servers.failover01.generation = 1;
    }),
    { rec01: "a brand new password" },
  );
});

test("9. refresh finds no drift; destroy after unprotecting the CA removes everything", async () => {
  const r = await step("refresh", () => site.refresh());
  expect(r.changeSummary).toEqual({ same: STACK_SITE_CA + SERVERS.length * 2 });
  const ca = resourcesOf(await site.exportState(), "CaCertificate")[0] as unknown as { urn: string };
  expect(ca.urn).toContain(CA_URN_TYPE);
  await site.cli(["state", "unprotect", ca.urn, "--yes", "--stack", site.stackName]);
  const d = await step("destroy", () => site.destroy());
  expect(d.changeSummary).toEqual({ delete: STACK_SITE_CA + SERVERS.length * 2 });
  expect((await site.exportState()).deployment.resources ?? []).toEqual([]);
});

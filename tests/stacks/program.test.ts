/**
 * The site program with Pulumi's mocks: which resources the example site yields, with which roles, slots and
 * dependencies, and that its outputs fit the contract's JSON Schema. (Mocks never call the providers: what the
 * providers do is proved on the real engine, tests/e2e.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { siteOutputs as siteProgram } from "../../stacks";
import { SLOT_GROUP_IDS, Slot } from "../../provider/xprotect/roles";

const exampleSite = (): Record<string, unknown> =>
  parse(readFileSync(join(__dirname, "../../stacks/Pulumi.example.yaml"), "utf8")).config[
    "xprotect-certs:site"
  ];

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

let registered: Registered[] = [];

const hex = (s: string, n: number) => createHash("sha256").update(s).digest("hex").toUpperCase().slice(0, n);

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        const t = args.type.split(":").pop();
        const i = args.inputs;
        const base = { ...i, thumbprint: hex(args.name + "t", 40), notAfter: "2028-01-15T09:00:00.000Z" };
        if (t === "CaCertificate") {
          return {
            id: "ca",
            state: {
              ...base,
              certificatePem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
              certificateDer: "MIIB",
              privateKeyPem: "k",
              signingKey: "rsa-pq1.AQAB.Bw.Cw",
            },
          };
        }
        if (t === "ServerCertificate") {
          return {
            id: args.name,
            state: {
              ...base,
              serialNumber: hex(args.name + "s", 32),
              notBefore: "2026-01-15T08:50:00.000Z",
              pfx: "UEZY",
              pfxPassword: "pw",
            },
          };
        }
        const slots = ((i.slots as Slot[] | undefined) ?? []).map((slot) => ({
          slot,
          groupId: SLOT_GROUP_IDS[slot],
          command: `ServerConfigurator.exe /quiet /enableencryption /certificategroup=${SLOT_GROUP_IDS[slot]} /thumbprint=${i.thumbprint}`,
        }));
        return {
          id: args.name,
          state: {
            ...i,
            serviceName: "svc",
            serviceAccount: i.serviceAccount ?? "NT AUTHORITY\\NETWORK SERVICE",
            slots,
          },
        };
      },
      call: () => ({}),
    },
    "xprotect-certs",
    "test",
  );
});

async function run(site: unknown, passwords?: Record<string, string>) {
  registered = [];
  const config: Record<string, string> = { "xprotect-certs:site": JSON.stringify(site) };
  if (passwords) config["xprotect-certs:pfxPasswords"] = JSON.stringify(passwords);
  pulumi.runtime.setAllConfig(config, passwords ? ["xprotect-certs:pfxPasswords"] : []);
  const outputs = await siteProgram();
  const resolved: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(outputs)) {
    resolved[k] = await new Promise((resolve) => pulumi.output(v).apply(resolve));
  }
  return resolved;
}

const byType = (t: string) =>
  registered.filter((r) => r.type === `pulumi-nodejs:dynamic/xprotect-certs:${t}`);

describe("the example site", () => {
  let outputs: Record<string, unknown>;
  let warnings: string[];
  beforeAll(async () => {
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      outputs = await run(exampleSite(), { rec01: "a given password" });
      await new Promise((resolve) => setImmediate(resolve));
      warnings = warn.mock.calls.map((c) => String(c[0]));
    } finally {
      warn.mockRestore();
    }
  });

  test("warns, once, about the one PFX profile old Windows cannot import", () => {
    const profileWarnings = warnings.filter((w) => w.includes("pfxProfile modern-aes256"));
    expect(profileWarnings).toHaveLength(1);
    expect(profileWarnings[0]).toMatch(
      /Windows Server 2016 and Windows 10 before 1709 cannot import this PFX/,
    );
  });

  test("yields one CA, a certificate and a binding per server, named <site>-<server>", () => {
    expect(byType("CaCertificate").map((r) => r.name)).toEqual(["site-ca"]);
    const names = ["mgmt01", "rec01", "rec02", "failover01", "mobile01", "event01"].map((n) => `site-${n}`);
    expect(
      byType("ServerCertificate")
        .map((r) => r.name)
        .sort(),
    ).toEqual([...names].sort());
    expect(
      byType("CertificateBinding")
        .map((r) => r.name)
        .sort(),
    ).toEqual([...names].sort());
  });

  test("gives each binding its role and the role's default slots", () => {
    const slots = Object.fromEntries(
      byType("CertificateBinding").map((b) => [
        b.name.replace(/^site-/, ""),
        [b.inputs.role, b.inputs.slots],
      ]),
    );
    expect(slots).toEqual({
      mgmt01: ["managementServer", undefined],
      rec01: ["recordingServer", undefined],
      rec02: ["recordingServer", undefined],
      failover01: ["failoverRecordingServer", undefined],
      mobile01: ["mobileServer", undefined],
      event01: ["eventServer", undefined],
    });
  });

  test("signs every certificate with the site CA and binds each binding to its own certificate", () => {
    const caPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    for (const cert of byType("ServerCertificate")) expect(cert.inputs.caCertificatePem).toBe(caPem);
    for (const b of byType("CertificateBinding")) expect(b.inputs.thumbprint).toBe(hex(b.name + "t", 40));
  });

  test("passes settings through: defaults, per-server overrides, names and addresses", () => {
    const cert = (n: string) => byType("ServerCertificate").find((r) => r.name === `site-${n}`)!.inputs;
    expect(cert("rec02").dnsNames).toEqual(["rec02.vms.example.local"]);
    expect(cert("rec02").ipAddresses).toEqual(["10.0.0.12", "fd00::12"]);
    expect(cert("mobile01").pfxProfile).toBe("modern-aes256");
    expect(cert("mgmt01").pfxProfile).toBe("legacy-3des");
    expect(cert("mgmt01").validityDays).toBe(730);
    // Passed as a secret (Pulumi's secret signature), so the state holds it encrypted.
    expect(cert("rec01").pfxPassword).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: "a given password",
    });
    expect(cert("rec02").pfxPassword).toBeUndefined();
    const binding = byType("CertificateBinding").find((r) => r.name === "site-rec01")!.inputs;
    expect(binding.serviceAccount).toBe("VMS\\svc-recorder");
  });

  test("has outputs that fit the contract's JSON Schema", () => {
    const schema = JSON.parse(readFileSync(join(__dirname, "../../stacks/outputs.schema.json"), "utf8"));
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    const ok = validate(outputs);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(outputs.contractVersion).toBe(1);
    expect(Object.keys(outputs.servers as object).sort()).toEqual([
      "event01",
      "failover01",
      "mgmt01",
      "mobile01",
      "rec01",
      "rec02",
    ]);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mutating parsed YAML freely is the point here
type Site = Record<string, any>;

describe("a site config with a mistake fails before anything is registered", () => {
  const site = (mutate: (s: Site) => void) => {
    const s = exampleSite() as Site;
    mutate(s);
    return s;
  };
  test.each<[string, (s: Site) => void, RegExp]>([
    [
      "an unknown key",
      (s) => (s.servers.rec01.dnsName = ["x"]),
      /servers\.rec01\.dnsName: unknown key: did you mean "dnsNames"\?/,
    ],
    ["an unknown top-level key", (s) => (s.server = {}), /server: unknown key: did you mean "servers"\?/],
    [
      "a number where a list belongs",
      (s) => (s.servers.rec01.dnsNames = 5),
      /servers\.rec01\.dnsNames: number 5 is not a list/,
    ],
    ["a bad value", (s) => (s.servers.rec02.rsaBits = 1024), /servers\.rec02\.rsaBits: 1024 is not allowed/],
    [
      "a bad default",
      (s) => (s.defaults.pfxProfile = "aes"),
      /has 1 problem;[^]*defaults\.pfxProfile: "aes" is not allowed/,
    ],
    [
      "a missing role",
      (s) => delete s.servers.rec02.role,
      /servers\.rec02\.role: missing: give one of managementServer/,
    ],
    ["a missing hostname", (s) => delete s.servers.rec02.hostname, /servers\.rec02\.hostname: missing/],
    ["an empty site", (s) => (s.servers = {}), /servers: .*a site needs at least one server/],
    [
      "a duplicate host name",
      (s) =>
        (s.servers.rec02.hostname = "rec01.vms.example.local") &&
        (s.servers.rec02.dnsNames = ["rec01.vms.example.local"]),
      /servers\.rec02\.hostname: "rec01\.vms\.example\.local" is also the host name of rec01/,
    ],
    [
      "a host name not among its DNS names",
      (s) => (s.servers.rec01.hostname = "rec99.vms.example.local"),
      /servers\.rec01\.hostname: "rec99\.vms\.example\.local" is not among the certificate's DNS names/,
    ],
    [
      "two management servers",
      (s) => (s.servers.rec02.role = "managementServer"),
      /servers\.rec02\.role: a site has at most one management server, and mgmt01 is one already/,
    ],
    [
      "a recorder without the server slot while the management server encrypts",
      (s) => (s.servers.rec01.slots = ["streamingMedia"]),
      /servers\.rec01\.slots: \["streamingMedia"\] lacks "server": the management server \(mgmt01\) encrypts its "server" slot/,
    ],
    [
      "a slot of another role",
      (s) => (s.servers.rec01.slots = ["server", "eventServer"]),
      /servers\.rec01\.slots\[1\]: "eventServer" is not a slot of a recordingServer/,
    ],
    [
      "a mobile certificate too long for Apple",
      (s) => (s.servers.mobile01.validityDays = 900),
      /servers\.mobile01\.validityDays: .*at most 825/,
    ],
    [
      "a bad server name",
      (s) => (s.servers["rec 03"] = { role: "recordingServer", hostname: "rec03.x" }),
      /servers\.rec 03: "rec 03" is not a usable server name/,
    ],
    ["a bad CA setting", (s) => (s.ca.rsaBits = 1000), /ca\.rsaBits: 1000 is not allowed/],
  ])("%s", async (_name, mutate, message) => {
    await expect(run(site(mutate))).rejects.toThrow(message);
    expect(registered).toEqual([]);
  });

  test("a password for a server that does not exist", async () => {
    await expect(run(exampleSite(), { rec99: "x" })).rejects.toThrow(
      /pfxPasswords\.rec99: there is no server named "rec99"/,
    );
  });

  test("all problems are reported at once, saying nothing was issued", async () => {
    const err = await run(
      site((s) => {
        s.servers.rec01.rsaBits = 1;
        s.servers.rec02.ipAddresses = ["x"];
      }),
    ).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^The site config has 2 problems; nothing was issued or changed:/);
  });
});

/** The outputs contract module (provider/contract), table by table: the envelope, each reader, the schema. */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import {
  CONTRACT_VERSION,
  formatContractProblems,
  isRecord,
  openOutputs,
  readSecrets,
  readServers,
  readSiteCertificates,
  readTrustedRoots,
  shownField,
  thumbprintOf,
} from "../../provider/contract";
import { serverOutput } from "../renewals/fixtures";

/** A real self-signed root (P-256: quick), DER in base64, made by OpenSSL. */
function rootDer(cn: string): string {
  const der = execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "/dev/null",
    ].concat(["-subj", `/CN=${cn}`, "-days", "30", "-outform", "DER"]),
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  return der.toString("base64");
}
/** The thumbprint as Node's X.509 reader gives it (an implementation other than the module's). */
const nodeThumbprint = (der: string): string =>
  new X509Certificate(Buffer.from(der, "base64")).fingerprint.replace(/:/g, "");

const CA = rootDer("contract-test-ca");
const NEXT = rootDer("contract-test-next");
const T = "2027-01-15T09:00:00Z";

/** A complete `servers.rec01` entry (the renewals fixtures' shape), made once. */
const REC01 = serverOutput("rec01", { notBefore: T, notAfter: T, renewalDue: T });
const TP = REC01.thumbprint as string;
const server = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ ...REC01, ...extra });
const outputs = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  contractVersion: 1,
  caCertificatePem: "-----BEGIN CERTIFICATE-----",
  caCertificateDer: CA,
  caThumbprint: nodeThumbprint(CA),
  caNotAfter: T,
  servers: { rec01: server() },
  pfx: { rec01: "UEZY" },
  pfxPasswords: { rec01: "pw" },
  ...extra,
});
const lines = (r: { ok: boolean; problems?: { field: string; reason: string }[] }): string[] =>
  r.ok ? [] : formatContractProblems(r.problems!).split("\n");

test.each([
  [{}, true],
  [{ a: 1 }, true],
  [[], false],
  [null, false],
  ["text", false],
  [undefined, false],
])("isRecord(%j) = %s", (v, want) => expect(isRecord(v)).toBe(want));

test.each([
  [{}, "missing"],
  [{ k: undefined }, "undefined"],
  [{ k: "x" }, '"x"'],
  [{ k: 42 }, "42"],
])("shownField(%j, k) = %s: an absent key is missing, a present one is shown", (o, want) => {
  expect(shownField(o as Record<string, unknown>, "k")).toBe(want);
});

test.each([
  ["outputs of this version", outputs(), { ok: true }],
  ["a list", [1], { ok: false, problem: "not-an-object", shown: "[1]" }],
  ["no outputs (a stack never up)", {}, { ok: false, problem: "empty" }],
  ["foreign outputs", { url: "x" }, { ok: false, problem: "version", shown: "missing" }],
  ["another version", outputs({ contractVersion: 2 }), { ok: false, problem: "version", shown: "2" }],
])("openOutputs: %s", (_what, json, want) => {
  expect(CONTRACT_VERSION).toBe(1);
  expect(openOutputs(json)).toMatchObject(want);
});

describe("readServers: the full entries, as stacks/outputs.schema.json defines them", () => {
  const schema = new Ajv2020({ allErrors: true }).compile(
    JSON.parse(readFileSync(join(__dirname, "../../stacks/outputs.schema.json"), "utf8")),
  );

  test("a complete entry is read whole, and the schema accepts the outputs too", () => {
    const o = outputs();
    expect(schema(o) || schema.errors).toBe(true);
    const r = readServers(o, "bundle");
    expect(r).toEqual({ ok: true, value: { rec01: server() } });
  });

  test.each([
    [
      "a missing hostname",
      { hostname: undefined },
      "servers.rec01.hostname: undefined: expected a non-empty string",
    ],
    [
      "a bad thumbprint",
      { thumbprint: "abc" },
      'servers.rec01.thumbprint: "abc" is not 40 upper-case hex digits',
    ],
    [
      "a time that is not ISO 8601",
      { notAfter: "next year" },
      'servers.rec01.notAfter: "next year" is not an ISO 8601 UTC time such as 2027-01-02T10:00:00Z',
    ],
    [
      "a hidden time",
      { renewalDue: "[secret]" },
      'servers.rec01.renewalDue: is secret ("[secret]"): bundle needs it in clear; it is not secret in this project\'s outputs',
    ],
    ["dnsNames not a list", { dnsNames: "a" }, 'servers.rec01.dnsNames: "a" is not a list of strings'],
    [
      "no enableOrder (older outputs)",
      { enableOrder: 1.5 },
      "servers.rec01.enableOrder: 1.5 is not an integer: outputs of an older version; run npm run up",
    ],
    [
      "a slot without command",
      { slots: [{ slot: "server" }] },
      'servers.rec01.slots[0]: {"slot":"server"} needs slot, groupId and command',
    ],
  ])("%s is named, and the schema refuses it as well", (_what, extra, line) => {
    const o = outputs({ servers: { rec01: server(extra) } });
    expect(schema(JSON.parse(JSON.stringify(o)))).toBe(false);
    expect(lines(readServers(o, "bundle"))).toEqual([line]);
  });

  test("servers that are not a map", () => {
    expect(lines(readServers(outputs({ servers: [] }), "bundle"))).toEqual([
      "servers: []: expected a map from server name",
    ]);
  });
});

describe("readSiteCertificates: the dates renewals needs, secrets never read", () => {
  test("hidden identifiers are tolerated; the dates are parsed", () => {
    const o = outputs({ caThumbprint: "[secret]", servers: { rec01: server({ serialNumber: "[secret]" }) } });
    const r = readSiteCertificates(o, "renewals");
    expect(r).toEqual({
      ok: true,
      value: {
        ca: { thumbprint: undefined, notAfter: { text: T, ms: Date.parse(T) } },
        servers: [
          expect.objectContaining({
            server: "rec01",
            thumbprint: TP,
            serialNumber: undefined,
            renewalDue: { text: T, ms: Date.parse(T) },
          }),
        ],
      },
    });
  });

  test("every bad field is named, the CA first, then the servers by name", () => {
    const o = outputs({
      caNotAfter: 42,
      servers: { zz: server({ role: "" }), aa: server({ notBefore: "[secret]" }) },
    });
    expect(lines(readSiteCertificates(o, "renewals"))).toEqual([
      "caNotAfter: 42 is not an ISO 8601 UTC time such as 2027-01-02T10:00:00Z",
      'servers.aa.notBefore: is secret ("[secret]"): renewals needs it in clear; it is not secret in this project\'s outputs',
      'servers.zz.role: "": expected a non-empty string',
    ]);
  });
});

test.each([
  ["shown", outputs(), []],
  [
    "hidden",
    outputs({ pfx: "[secret]", pfxPasswords: "[secret]" }),
    [
      'pfx: the secrets are hidden ("[secret]"): read the outputs with --show-secrets',
      'pfxPasswords: the secrets are hidden ("[secret]"): read the outputs with --show-secrets',
    ],
  ],
  ["not a map", outputs({ pfx: 5 }), ["pfx: 5: expected a map from server name"]],
  [
    "a server without PFX or password",
    outputs({ pfx: {}, pfxPasswords: { rec01: "" } }),
    [
      "pfx.rec01: the PFX (base64) is missing or not base64",
      "pfxPasswords.rec01: the PFX password is missing",
    ],
  ],
])("readSecrets: %s", (_what, o, want) => {
  expect(lines(readSecrets(o, ["rec01"]))).toEqual(want);
});

describe("readTrustedRoots", () => {
  test("the module's thumbprint is the one Node's X.509 reader computes", () => {
    expect(thumbprintOf(CA)).toBe(nodeThumbprint(CA));
    expect(thumbprintOf(NEXT)).toBe(nodeThumbprint(NEXT));
  });

  const root = (der: string, status: string) => ({
    thumbprint: nodeThumbprint(der),
    notAfter: T,
    certificatePem: "x",
    certificateDer: der,
    status,
  });
  test.each([
    ["contract v1: the one CA, active", outputs(), [[CA, "active"]]],
    [
      "root rotation: each root once, in order",
      outputs({ trustedCaCertificates: [root(CA, "active"), root(NEXT, "next"), root(CA, "active")] }),
      [
        [CA, "active"],
        [NEXT, "next"],
      ],
    ],
  ])("%s", (_what, o, want) => {
    const r = readTrustedRoots(o);
    expect(r.ok && r.value.map((c) => [c.certificateDer, c.status])).toEqual(want);
  });

  test.each([
    [
      "an empty list",
      outputs({ trustedCaCertificates: [] }),
      "trustedCaCertificates: [] is not a non-empty list of roots",
    ],
    [
      "a thumbprint of another root",
      outputs({ caThumbprint: nodeThumbprint(NEXT) }),
      `caCertificateDer/caThumbprint: thumbprint ${nodeThumbprint(NEXT)} is not the SHA-1 of its certificate ` +
        `(${nodeThumbprint(CA)}): the outputs are inconsistent; run npm run refresh, then npm run up`,
    ],
    [
      "an unknown status",
      outputs({ trustedCaCertificates: [root(CA, "old")] }),
      'trustedCaCertificates[0]: status "old" is not one of active, next, previous, external',
    ],
    [
      "an entry that is not an object",
      outputs({ trustedCaCertificates: [7] }),
      "trustedCaCertificates[0]: 7 is not an object",
    ],
    [
      "DER that is not base64",
      outputs({ caCertificateDer: "%%%" }),
      'caCertificateDer/caThumbprint: the certificate DER (base64) is missing or not base64: "%%%"',
    ],
  ])("%s is refused, naming the field", (_what, o, line) => {
    expect(lines(readTrustedRoots(o))).toEqual([line]);
  });
});

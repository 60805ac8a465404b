/**
 * Servers an enterprise CA signs (issuer external) in the outputs contract: one awaiting its first certificate
 * (a request, no certificate, no slots, no PFX) and one renewing (its certificate, and a request). The schema
 * accepts exactly those shapes; the installers' reader leaves the awaiting one out; renewals lists both requests.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import {
  certreqCommand,
  readPendingRequests,
  readSecrets,
  readServers,
  readSiteCertificates,
  thumbprintOf,
} from "../../provider/contract";
import { parseBundleOutputs, selectServers } from "../../scripts/bundle/manifest";
import { serverOutput } from "../renewals/fixtures";

const T = "2027-01-15T09:00:00Z";
const CSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
const request = (id: string) => ({
  issuer: "external",
  certificateRequestPem: CSR,
  requestId: id,
  requestedAt: "2027-01-01T00:00:00.000Z",
  certificateTemplate: "WebServer",
});
const SIGNED = serverOutput("rec01", { notBefore: T, notAfter: T, renewalDue: T });
const { thumbprint, serialNumber, notBefore, notAfter, renewalDue, ...unsigned } = serverOutput("rec02", {
  notBefore: T,
  notAfter: T,
  renewalDue: T,
});
void [thumbprint, serialNumber, notBefore, notAfter, renewalDue];
const AWAITING = { ...unsigned, slots: [], ...request("00112233445566AA") };
const RENEWING = { ...SIGNED, ...request("00112233445566BB") };
const outputs = (servers: Record<string, unknown>, pfxNames = ["rec01"]) => ({
  contractVersion: 1,
  caCertificatePem: "-----BEGIN CERTIFICATE-----",
  caCertificateDer: "AAAA",
  caThumbprint: thumbprintOf("AAAA"),
  caNotAfter: T,
  servers,
  pfx: Object.fromEntries(pfxNames.map((n) => [n, "UEZY"])),
  pfxPasswords: Object.fromEntries(pfxNames.map((n) => [n, "pw"])),
});

const schema = new Ajv2020({ allErrors: true }).compile(
  JSON.parse(readFileSync(join(__dirname, "../../stacks/outputs.schema.json"), "utf8")),
);

test("the schema accepts a server awaiting its signature and one renewing", () => {
  expect(schema(outputs({ rec01: RENEWING, rec02: AWAITING })) || schema.errors).toBe(true);
});

test.each([
  ["awaiting, but with slots", { ...AWAITING, slots: SIGNED.slots }],
  ["awaiting, without its request", { ...AWAITING, certificateRequestPem: undefined }],
  ["no certificate and no issuer", { ...unsigned }],
  ["a request id that is not 16 hex digits", { ...AWAITING, requestId: "abc" }],
])("the schema refuses %s", (_what, entry) => {
  expect(schema(outputs({ rec02: JSON.parse(JSON.stringify(entry)) }))).toBe(false);
});

test("readServers leaves the awaiting server out (nothing to install) and reads the renewing one whole", () => {
  const o = outputs({ rec01: RENEWING, rec02: AWAITING });
  const r = readServers(o, "bundle");
  expect(r.ok && Object.keys(r.value)).toEqual(["rec01"]);
  expect(readSecrets(o, ["rec01"]).ok).toBe(true);
});

test("readPendingRequests lists both, with the certreq command; readSiteCertificates dates only the signed", () => {
  const o = outputs({ rec01: RENEWING, rec02: AWAITING });
  const pending = readPendingRequests(o);
  expect(pending.map((p) => [p.server, p.requestId, p.awaiting])).toEqual([
    ["rec01", "00112233445566BB", false],
    ["rec02", "00112233445566AA", true],
  ]);
  expect(certreqCommand(pending[1])).toBe(
    'certreq -submit -attrib "CertificateTemplate:WebServer" rec02.csr rec02.cer',
  );
  const r = readSiteCertificates(o, "renewals");
  expect(r.ok && r.value.servers.map((s) => s.server)).toEqual(["rec01"]);
  expect(r.ok && r.value.pending?.length).toBe(2);
});

test("the bundle reads such outputs; naming the awaiting server says what to do", () => {
  const parsed = parseBundleOutputs(outputs({ rec01: RENEWING, rec02: AWAITING }), "stack");
  expect(parsed.ok).toBe(true);
  if (!parsed.ok) return;
  const selected = selectServers(parsed.value, { all: false, servers: ["rec02"] }, "s");
  expect(selected).toEqual({
    ok: false,
    problems: [expect.stringMatching(/^--server rec02: rec02 awaits its enterprise CA's signature/)],
  });
});

test("an enterprise root (status external) is read, and left out of bundles: Group Policy owns it", () => {
  const root = (der: string, status: string) => ({
    thumbprint: thumbprintOf(der),
    notAfter: T,
    certificatePem: "-----BEGIN CERTIFICATE-----",
    certificateDer: der,
    status,
  });
  const o = {
    ...outputs({ rec01: RENEWING, rec02: AWAITING }),
    trustedCaCertificates: [root("AAAA", "active"), root("BBBB", "external")],
  };
  expect(schema(o) || schema.errors).toBe(true);
  const parsed = parseBundleOutputs(o, "stack");
  expect(parsed.ok && parsed.value.trustedCas.map((c) => c.status)).toEqual(["active"]);
});

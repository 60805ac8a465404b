/**
 * --metrics: the textfile is read back by an independent Prometheus text-format parser, and its timestamps are
 * checked against the certificates' own notAfter as Node's X509Certificate reads them.
 */
import { createHash, createPrivateKey, X509Certificate } from "crypto";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { generateRsaKeyPair } from "../../provider/pki/keys";
import { caTemplate, derToPem, issueCertificate, serverTemplate } from "../../provider/pki/x509";
import { escapeLabelValue, formatMetrics, METRICS } from "../../scripts/renewals/metrics";
import { readSiteOutputs } from "../../scripts/renewals/outputs";
import { serverOutput } from "./fixtures";

type Family = {
  name: string;
  help: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
};

const DAY = 86400000;
const RENEW_BEFORE_DAYS = 30;
const thumbprint = (der: Buffer) => createHash("sha1").update(der).digest("hex").toUpperCase();
const iso = (d: Date) => d.toISOString().replace(".000Z", "Z");

/**
 * Outputs of a site in a switched rotation, from real certificates: an old root (previous), a new root (active)
 * and two servers issued by the new root; one server's name and host name need escaping as label values.
 */
let outputs: Record<string, unknown>;
let certificates: Record<string, X509Certificate>;
beforeAll(async () => {
  const keys = await generateRsaKeyPair(2048); // one key for all: only the dates and names matter here
  const key = createPrivateKey(keys.privateKeyPem);
  const serial = (n: number) => Buffer.from([0x10, n]);
  const root = (days: number, n: number, now: Date) =>
    issueCertificate({
      template: caTemplate({ commonName: `Root ${n}`, validityDays: days }),
      publicKeyDer: keys.publicKeyDer,
      selfSigningKey: key,
      serial: serial(n),
      now,
    });
  const oldRoot = root(3650, 1, new Date("2017-06-01T00:00:00Z"));
  const newRoot = root(3650, 2, new Date("2027-01-15T08:30:00Z"));
  const issue = (name: string, days: number, n: number) =>
    issueCertificate({
      template: serverTemplate({ dnsNames: [name], ipAddresses: [], validityDays: days }),
      publicKeyDer: keys.publicKeyDer,
      issuer: { certificateDer: newRoot.der, privateKey: key },
      serial: serial(n),
      now: new Date("2027-02-01T10:15:00Z"),
    });
  const servers = {
    rec01: issue("rec01.vms.example.local", 730, 3),
    'we"ird\\one': issue("odd.example.local", 400, 4),
  };
  certificates = Object.fromEntries(
    [["old", oldRoot], ["new", newRoot], ...Object.entries(servers)].map(([k, c]) => [
      k,
      new X509Certificate((c as { der: Buffer }).der),
    ]),
  );
  const entry = (name: string, c: ReturnType<typeof issue>) => ({
    ...serverOutput(name, {
      hostname: name === "rec01" ? "rec01.vms.example.local" : "odd\nhost.example.local",
      thumbprint: thumbprint(c.der),
      notBefore: iso(c.notBefore),
      notAfter: iso(c.notAfter),
      renewalDue: iso(new Date(c.notAfter.getTime() - RENEW_BEFORE_DAYS * DAY)),
    }),
  });
  const trusted = (c: typeof oldRoot, status: string) => ({
    thumbprint: thumbprint(c.der),
    notAfter: iso(c.notAfter),
    certificatePem: derToPem(c.der),
    certificateDer: c.der.toString("base64"),
    status,
  });
  outputs = {
    contractVersion: 1,
    caCertificatePem: derToPem(newRoot.der),
    caCertificateDer: newRoot.der.toString("base64"),
    caThumbprint: thumbprint(newRoot.der),
    caNotAfter: iso(newRoot.notAfter),
    servers: Object.fromEntries(Object.entries(servers).map(([n, c]) => [n, entry(n, c)])),
    pfx: "[secret]",
    pfxPasswords: "[secret]",
    trustedCaCertificates: [trusted(newRoot, "active"), trusted(oldRoot, "previous")],
  };
});

function metricsOf(o: Record<string, unknown>): { text: string; families: Family[] } {
  const r = readSiteOutputs(o);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const text = formatMetrics(r.site);
  return { text, families: parsePrometheusTextFormat(text) as Family[] };
}
const seconds = (c: X509Certificate) => Date.parse(c.validTo) / 1000;

test("a Prometheus text-format parser reads three gauge families with their help", () => {
  const { text, families } = metricsOf(outputs);
  expect(families.map((f) => [f.name, f.type])).toEqual([
    [METRICS.notAfter.name, "GAUGE"],
    [METRICS.renewalDue.name, "GAUGE"],
    [METRICS.caNotAfter.name, "GAUGE"],
  ]);
  for (const f of families) expect(f.help).toMatch(/Unix seconds/);
  expect(text.endsWith("\n")).toBe(true);
  // The exposition format: each family's HELP, then TYPE, then its samples; no blank or stray lines.
  expect(
    text.split("\n").filter((l) => l !== "" && !/^(# (HELP|TYPE) \w+ .+|\w+\{.*\} \d+(\.\d+)?)$/.test(l)),
  ).toEqual([]);
});

test("the timestamps are the certificates' own notAfter (and notAfter - renewBeforeDays), labels escaped", () => {
  const { families } = metricsOf(outputs);
  const [notAfter, renewalDue, caNotAfter] = families;
  const server = (name: string) => ({
    server: name,
    role: "recordingServer",
    hostname: name === "rec01" ? "rec01.vms.example.local" : "odd\nhost.example.local",
    thumbprint: createHash("sha1").update(certificates[name].raw).digest("hex").toUpperCase(),
  });
  const names = ["rec01", 'we"ird\\one'];
  expect(notAfter.metrics).toEqual(
    names.map((n) => ({ labels: server(n), value: String(seconds(certificates[n])) })),
  );
  expect(renewalDue.metrics).toEqual(
    names.map((n) => ({
      labels: server(n),
      value: String(seconds(certificates[n]) - RENEW_BEFORE_DAYS * 86400),
    })),
  );
  const root = (c: X509Certificate, status: string) => ({
    labels: { thumbprint: createHash("sha1").update(c.raw).digest("hex").toUpperCase(), status },
    value: String(seconds(c)),
  });
  expect(caNotAfter.metrics).toEqual([root(certificates.old, "previous"), root(certificates.new, "active")]);
});

test("outputs from before root rotation give one active root from caThumbprint and caNotAfter", () => {
  const old = { ...outputs };
  delete old.trustedCaCertificates;
  const [, , ca] = metricsOf(old).families;
  expect(ca.metrics).toEqual([
    {
      labels: { thumbprint: outputs.caThumbprint, status: "active" },
      value: String(seconds(certificates.new)),
    },
  ]);
});

test.each([
  ["plain", "plain"],
  ['a"b', 'a\\"b'],
  ["a\\b", "a\\\\b"],
  ["a\nb", "a\\nb"],
  ['\\"\n', '\\\\\\"\\n'],
])("escapeLabelValue(%j) = %j", (value, escaped) => {
  expect(escapeLabelValue(value)).toBe(escaped);
});

/**
 * A certificate signed elsewhere, at the core: the PKCS#10 request made here is what OpenSSL reads and signs (a
 * two-tier CA standing in for AD CS), and each way a returned certificate can be wrong is refused with its own
 * reason, read with Node's X509Certificate.
 */
import { X509Certificate } from "node:crypto";
import { generateRsaKeyPair, KeyPair } from "../../provider/pki/keys";
import { certificateRequestPem, requestIdOf } from "../../provider/pki/request";
import { readSignedChain, signedProblems, SignedChain } from "../../provider/pki/signed";
import { serverTemplate } from "../../provider/pki/x509";
import { openssl } from "../helpers/openssl";
import { EnterpriseCa, makeEnterpriseCa } from "../helpers/openssl-ca";

const NAMES = ["rec01.corp.example.com", "rec01"];
const IPS = ["10.0.0.21"];
let ca: EnterpriseCa;
let other: EnterpriseCa;
let key: KeyPair;
let csr: string;

beforeAll(async () => {
  ca = makeEnterpriseCa("Corp");
  other = makeEnterpriseCa("Elsewhere");
  key = await generateRsaKeyPair(2048);
  csr = certificateRequestPem({
    template: serverTemplate({ dnsNames: NAMES, ipAddresses: IPS, validityDays: 365 }),
    privateKeyPem: key.privateKeyPem,
    publicKeyDer: key.publicKeyDer,
  });
});
afterAll(() => {
  ca?.cleanup();
  other?.cleanup();
});

const chainOf = (pem: string): SignedChain => {
  const r = readSignedChain(pem);
  if ("problem" in r) throw new Error(r.problem);
  return r;
};
const problemsOf = (pem: string, over: Partial<Parameters<typeof signedProblems>[1]> = {}) =>
  signedProblems(chainOf(pem), {
    publicKeyDer: key.publicKeyDer,
    dnsNames: NAMES,
    ipAddresses: IPS,
    roots: [new X509Certificate(ca.rootPem)],
    renewBeforeDays: 30,
    now: new Date(),
    ...over,
  });

test("the request is a valid PKCS#10 request OpenSSL reads: subject, SANs, critical serverAuth, key usages", () => {
  const r = openssl(["req", "-in", "r.csr", "-verify", "-noout", "-text"], { "r.csr": csr });
  expect(r.status).toBe(0);
  expect(r.stderr + r.stdout).toMatch(/verify OK|Certificate request self-signature verify OK/);
  expect(r.stdout).toMatch(/Subject: CN *= *rec01\.corp\.example\.com/);
  expect(r.stdout).toMatch(/DNS:rec01\.corp\.example\.com, DNS:rec01, IP Address:10\.0\.0\.21/);
  expect(r.stdout).toMatch(/X509v3 Extended Key Usage: critical\s+TLS Web Server Authentication/);
  expect(r.stdout).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
});

test("signed like AD CS's WebServer template, with the issuing CA after the leaf, it is accepted", () => {
  const leaf = ca.sign(csr);
  expect(problemsOf(leaf + ca.issuingPem)).toEqual([]);
  // The certificate names its request: the key's id.
  expect(requestIdOf(new X509Certificate(leaf).publicKey.export({ type: "spki", format: "der" }))).toBe(
    requestIdOf(key.publicKeyDer),
  );
});

test.each<[string, () => string, RegExp]>([
  [
    "another key",
    () => ca.sign(ca.foreignRequest(NAMES)) + ca.issuingPem,
    /signed for request [0-9A-F]{16}, and the request waiting is/,
  ],
  [
    "a missing SAN",
    () =>
      ca.sign(csr, {
        extensions: ["subjectAltName = DNS:rec01.corp.example.com", "extendedKeyUsage = serverAuth"],
      }) + ca.issuingPem,
    /missing \["rec01","10\.0\.0\.21"\]/,
  ],
  [
    "an extra SAN",
    () =>
      ca.sign(csr, {
        extensions: [
          "subjectAltName = DNS:rec01.corp.example.com, DNS:rec01, IP:10.0.0.21, DNS:evil.example.com",
          "extendedKeyUsage = serverAuth",
        ],
      }) + ca.issuingPem,
    /extra \["evil\.example\.com"\]/,
  ],
  [
    "clientAuth only",
    () => ca.sign(csr, { extensions: ["extendedKeyUsage = clientAuth"] }) + ca.issuingPem,
    /does not allow server authentication/,
  ],
  [
    "expired",
    () => ca.sign(csr, { startDate: "20200101000000Z", endDate: "20210101000000Z" }) + ca.issuingPem,
    /is not valid now/,
  ],
  [
    "too short for renewBeforeDays",
    () => ca.sign(csr, { days: 10 }) + ca.issuingPem,
    /within renewBeforeDays \(30\)/,
  ],
  [
    "a root not in externalRoots",
    () => other.sign(csr) + other.issuingPem,
    /does not chain to a root in externalRoots/,
  ],
  ["no intermediate in the file", () => ca.sign(csr), /does not chain to a root in externalRoots/],
  [
    "a CA certificate",
    () =>
      ca.sign(csr, {
        ignoreRequestExtensions: true,
        extensions: [
          "basicConstraints = critical, CA:TRUE",
          "extendedKeyUsage = serverAuth",
          "subjectAltName = DNS:rec01.corp.example.com, DNS:rec01, IP:10.0.0.21",
        ],
      }) + ca.issuingPem,
    /is a CA certificate/,
  ],
])("refused: %s", (_what, make, reason) => {
  const problems = problemsOf(make());
  expect(problems.join("\n")).toMatch(reason);
});

test("a truncated or damaged file is refused before any other check", () => {
  const leaf = ca.sign(csr);
  const truncated = leaf.slice(0, leaf.length / 2);
  expect(readSignedChain(truncated)).toEqual({ problem: expect.stringMatching(/truncated/) });
  const damaged = leaf.replace(/[A-Za-z]{8}\n/, "AAAAAAAA\n");
  expect(readSignedChain(damaged)).toEqual({ problem: expect.stringMatching(/does not parse|damaged/) });
  expect(readSignedChain("")).toEqual({ problem: expect.stringMatching(/holds no PEM certificate/) });
});

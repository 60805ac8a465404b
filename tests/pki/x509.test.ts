import { createPrivateKey, randomBytes, X509Certificate } from "node:crypto";
import {
  caTemplate,
  derToPem,
  describeCertificate,
  generateRsaKeyPair,
  issueCertificate,
  randomSerial,
  serverTemplate,
} from "../../provider/pki";
import { openssl } from "../helpers/openssl";

const NOW = new Date("2026-03-01T12:00:00.000Z");

async function makeCa(validityDays = 3650) {
  const key = await generateRsaKeyPair(3072);
  const ca = issueCertificate({
    template: caTemplate({
      commonName: "VMS Certificate Authority",
      organization: "Example Site",
      validityDays,
    }),
    publicKeyDer: key.publicKeyDer,
    selfSigningKey: createPrivateKey(key.privateKeyPem),
    serial: randomSerial(randomBytes),
    now: NOW,
  });
  return { key, ca };
}

async function makeServer(ca: Awaited<ReturnType<typeof makeCa>>, validityDays = 730) {
  const key = await generateRsaKeyPair(2048);
  return issueCertificate({
    template: serverTemplate({
      dnsNames: ["rec01.vms.example.local", "rec01"],
      ipAddresses: ["10.0.0.11", "fd00::11"],
      validityDays,
    }),
    publicKeyDer: key.publicKeyDer,
    issuer: { certificateDer: ca.ca.der, privateKey: createPrivateKey(ca.key.privateKeyPem) },
    serial: randomSerial(randomBytes),
    now: NOW,
    notAfterCap: ca.ca.notAfter,
  });
}

describe("the site CA", () => {
  let ca: Awaited<ReturnType<typeof makeCa>>;
  beforeAll(async () => {
    ca = await makeCa();
  });

  test("is a self-signed CA that Node reads as one", () => {
    const x = new X509Certificate(ca.ca.der);
    expect(x.ca).toBe(true);
    expect(x.subject).toBe("O=Example Site\nCN=VMS Certificate Authority");
    expect(x.issuer).toBe(x.subject);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  test("has critical basicConstraints CA:true pathlen 0 and critical keyCertSign, cRLSign, digitalSignature", () => {
    const text = openssl(["x509", "-in", "ca.pem", "-noout", "-text"], {
      "ca.pem": derToPem(ca.ca.der),
    }).stdout;
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(text).toMatch(/X509v3 Subject Key Identifier/);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
  });

  test("starts 10 minutes in the past and lasts validityDays", () => {
    expect(ca.ca.notBefore.toISOString()).toBe("2026-03-01T11:50:00.000Z");
    expect(ca.ca.notAfter.toISOString()).toBe(new Date(NOW.getTime() + 3650 * 86400000).toISOString());
    const facts = describeCertificate(ca.ca.der);
    expect(facts.notBefore).toBe("2026-03-01T11:50:00.000Z");
    expect(facts.subject).toBe("CN=VMS Certificate Authority, O=Example Site");
  });

  test("has a positive 128-bit serial that OpenSSL prints as the output does", () => {
    const facts = describeCertificate(ca.ca.der);
    expect(facts.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    const out = openssl(["x509", "-in", "ca.pem", "-noout", "-serial", "-fingerprint", "-sha1"], {
      "ca.pem": derToPem(ca.ca.der),
    }).stdout;
    expect(out).toContain(`serial=${facts.serialNumber}`);
    expect(out.replace(/:/g, "")).toContain(facts.thumbprint);
  });
});

describe("a server certificate", () => {
  let ca: Awaited<ReturnType<typeof makeCa>>;
  let leaf: ReturnType<typeof issueCertificate>;
  let text: string;
  beforeAll(async () => {
    ca = await makeCa();
    leaf = await makeServer(ca);
    text = openssl(["x509", "-in", "leaf.pem", "-noout", "-text"], { "leaf.pem": derToPem(leaf.der) }).stdout;
  });

  test("has CN = the first DNS name and every name and address in the SAN", () => {
    const x = new X509Certificate(leaf.der);
    expect(x.subject).toBe("CN=rec01.vms.example.local");
    expect(x.subjectAltName).toBe(
      "DNS:rec01.vms.example.local, DNS:rec01, IP Address:10.0.0.11, IP Address:FD00:0:0:0:0:0:0:11",
    );
    expect(x.checkHost("rec01.vms.example.local")).toBe("rec01.vms.example.local");
    expect(x.checkIP("10.0.0.11")).toBe("10.0.0.11");
    expect(x.checkIP("fd00::11")).toBe("fd00::11");
  });

  test("marks serverAuth critical, like the vendor's script, and is not a CA", () => {
    expect(text).toMatch(/X509v3 Extended Key Usage: critical\s+TLS Web Server Authentication\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(new X509Certificate(leaf.der).ca).toBe(false);
  });

  test("names its issuer's key: the authority key id is the CA's subject key id", () => {
    const caText = openssl(["x509", "-in", "ca.pem", "-noout", "-text"], {
      "ca.pem": derToPem(ca.ca.der),
    }).stdout;
    const ski = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(caText)?.[1];
    expect(ski).toBeDefined();
    expect(text).toMatch(new RegExp(`Authority Key Identifier:\\s+(keyid:)?${ski}`));
  });

  test("verifies against the CA for TLS server use, strictly", () => {
    const files = { "ca.pem": derToPem(ca.ca.der), "leaf.pem": derToPem(leaf.der) };
    const r = openssl(
      ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", "ca.pem", "leaf.pem"],
      files,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("leaf.pem: OK");
    expect(new X509Certificate(leaf.der).verify(new X509Certificate(ca.ca.der).publicKey)).toBe(true);
  });

  test("does not verify against another CA", async () => {
    const other = await makeCa();
    const files = { "ca.pem": derToPem(other.ca.der), "leaf.pem": derToPem(leaf.der) };
    expect(openssl(["verify", "-CAfile", "ca.pem", "leaf.pem"], files).status).not.toBe(0);
  });

  test("ends with the CA when asked to outlive it", async () => {
    const shortCa = await makeCa(100);
    const capped = await makeServer(shortCa, 730);
    expect(capped.capped).toBe(true);
    expect(capped.notAfter.getTime()).toBe(shortCa.ca.notAfter.getTime());
    expect(new Date(new X509Certificate(capped.der).validTo).getTime()).toBe(shortCa.ca.notAfter.getTime());
  });

  test("uses GeneralizedTime from 2050 on, as RFC 5280 says", async () => {
    const longCa = await makeCa(36500);
    const x = new X509Certificate(longCa.ca.der);
    expect(new Date(x.validTo).getUTCFullYear()).toBe(2126);
    const r = openssl(["asn1parse", "-in", "ca.pem"], { "ca.pem": derToPem(longCa.ca.der) }).stdout;
    expect(r).toMatch(/UTCTIME\s+:260301115000Z/);
    expect(r).toMatch(/GENERALIZEDTIME\s+:21260205120000Z/);
  });
});

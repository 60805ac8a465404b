/**
 * Certificate templates (what a CA and an XProtect server certificate hold) and issuance: the TBSCertificate
 * is written with our DER writer and signed natively (RSA PKCS#1 v1.5 with SHA-256).
 */
import { createHash, KeyObject, sign, X509Certificate } from "node:crypto";
import * as der from "./der";
import { readCertificate } from "./der-reader";
import { keyIdentifier } from "./keys";
import { ipToBytes } from "./names";
import { OID } from "./oids";
import { BACKDATE_MS, DAY_MS } from "./limits";

export type KeyUsage = "digitalSignature" | "keyEncipherment" | "keyCertSign" | "cRLSign";
const KEY_USAGE_BITS: Record<KeyUsage, number> = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
};

export interface DistinguishedName {
  /** CN: for a server, its first DNS name; for the CA, e.g. "VMS Certificate Authority". */
  commonName: string;
  /** O, when given. */
  organization?: string;
}

/** What a certificate says, apart from its key, serial, issuer and dates. */
export interface CertificateTemplate {
  subject: DistinguishedName;
  /** subjectAltName dNSName entries (normalised). */
  dnsNames: string[];
  /** subjectAltName iPAddress entries (canonical text). */
  ipAddresses: string[];
  /** basicConstraints cA, with pathLenConstraint 0 when true. */
  isCa: boolean;
  keyUsage: KeyUsage[];
  /** extendedKeyUsage OIDs; absent when empty. */
  extendedKeyUsage: string[];
  extendedKeyUsageCritical: boolean;
  validityDays: number;
}

/** The site's root CA: CA:true pathLen 0, keyCertSign + cRLSign + digitalSignature, all critical. */
export function caTemplate(p: {
  commonName: string;
  organization?: string;
  validityDays: number;
}): CertificateTemplate {
  return {
    subject: { commonName: p.commonName, organization: p.organization },
    dnsNames: [],
    ipAddresses: [],
    isCa: true,
    keyUsage: ["digitalSignature", "keyCertSign", "cRLSign"],
    extendedKeyUsage: [],
    extendedKeyUsageCritical: false,
    validityDays: p.validityDays,
  };
}

/** An XProtect server: CN = first DNS name, SAN = all names and addresses, critical serverAuth. */
export function serverTemplate(p: {
  dnsNames: string[];
  ipAddresses: string[];
  validityDays: number;
}): CertificateTemplate {
  return {
    subject: { commonName: p.dnsNames[0] },
    dnsNames: p.dnsNames,
    ipAddresses: p.ipAddresses,
    isCa: false,
    keyUsage: ["digitalSignature", "keyEncipherment"],
    extendedKeyUsage: [OID.serverAuth],
    extendedKeyUsageCritical: true,
    validityDays: p.validityDays,
  };
}

export interface Issuer {
  /** The issuing CA's certificate (DER). */
  certificateDer: Buffer;
  privateKey: KeyObject;
}

export interface IssueRequest {
  template: CertificateTemplate;
  /** SubjectPublicKeyInfo DER of the key being certified. */
  publicKeyDer: Buffer;
  /** The CA that signs; absent for a self-signed certificate (then `selfSigningKey` signs). */
  issuer?: Issuer;
  selfSigningKey?: KeyObject;
  serial: Buffer;
  now: Date;
  /** notAfter never goes past this (the issuing CA's notAfter). */
  notAfterCap?: Date;
}

export interface IssuedCertificate {
  der: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** True when the validity was cut short to end with the issuer. */
  capped: boolean;
}

/** Whole seconds, as X.509 times hold them. */
const toSecond = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

export function issueCertificate(req: IssueRequest): IssuedCertificate {
  const { template } = req;
  const notBefore = toSecond(new Date(req.now.getTime() - BACKDATE_MS));
  let notAfter = toSecond(new Date(req.now.getTime() + template.validityDays * DAY_MS));
  let capped = false;
  if (req.notAfterCap && notAfter.getTime() > req.notAfterCap.getTime()) {
    notAfter = toSecond(req.notAfterCap);
    capped = true;
  }
  const subject = encodeName(template.subject);
  let issuerName: Buffer;
  let authorityKeyId: Buffer;
  let signingKey: KeyObject;
  if (req.issuer) {
    const ca = readCertificate(req.issuer.certificateDer);
    issuerName = ca.subject;
    authorityKeyId =
      subjectKeyIdOf(ca.extensions.get(OID.subjectKeyIdentifier)?.value) ?? keyIdentifier(ca.spki);
    signingKey = req.issuer.privateKey;
  } else {
    if (!req.selfSigningKey)
      throw new Error("issueCertificate: a self-signed certificate needs selfSigningKey");
    issuerName = subject;
    authorityKeyId = keyIdentifier(req.publicKeyDer);
    signingKey = req.selfSigningKey;
  }
  const signatureAlgorithm = der.algorithm(OID.sha256WithRSAEncryption);
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)),
    der.integerFromBytes(req.serial),
    signatureAlgorithm,
    issuerName,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    subject,
    req.publicKeyDer,
    der.explicit(3, der.sequence(...extensions(template, keyIdentifier(req.publicKeyDer), authorityKeyId))),
  );
  const signature = sign("sha256", tbs, signingKey);
  return {
    der: der.sequence(tbs, signatureAlgorithm, der.bitString(signature)),
    notBefore,
    notAfter,
    capped,
  };
}

function subjectKeyIdOf(extnValue: Buffer | undefined): Buffer | undefined {
  // SubjectKeyIdentifier ::= OCTET STRING
  if (!extnValue || extnValue[0] !== 0x04) return undefined;
  return extnValue.subarray(2, 2 + extnValue[1]);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? der.sequence(der.oid(id), der.boolean(true), der.octetString(value))
    : der.sequence(der.oid(id), der.octetString(value));
}

function extensions(t: CertificateTemplate, subjectKeyId: Buffer, authorityKeyId: Buffer): Buffer[] {
  const out = templateExtensions(t);
  out.push(extension(OID.subjectKeyIdentifier, false, der.octetString(subjectKeyId)));
  // A self-signed root may omit AKI (RFC 5280 4.2.1.1); we keep it: OpenSSL and Windows both write it.
  out.push(
    extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicitPrimitive(0, authorityKeyId))),
  );
  return out;
}

/**
 * What the template says as extensions (basicConstraints, keyUsage, extendedKeyUsage, subjectAltName): the same
 * in a certificate issued here and in a request another CA signs (provider/pki/request.ts).
 */
export function templateExtensions(t: CertificateTemplate): Buffer[] {
  const out = [
    extension(
      OID.basicConstraints,
      true,
      t.isCa ? der.sequence(der.boolean(true), der.integer(0)) : der.sequence(),
    ),
    extension(OID.keyUsage, true, keyUsageBits(t.keyUsage)),
  ];
  if (t.extendedKeyUsage.length > 0) {
    out.push(
      extension(
        OID.extKeyUsage,
        t.extendedKeyUsageCritical,
        der.sequence(...t.extendedKeyUsage.map(der.oid)),
      ),
    );
  }
  if (t.dnsNames.length + t.ipAddresses.length > 0) {
    const names = [
      ...t.dnsNames.map((n) => der.implicitPrimitive(2, Buffer.from(n, "latin1"))),
      ...t.ipAddresses.map((ip) => {
        const bytes = ipToBytes(ip);
        if (!bytes) throw new Error(`issueCertificate: "${ip}" is not an IP address`);
        return der.implicitPrimitive(7, bytes);
      }),
    ];
    out.push(extension(OID.subjectAltName, false, der.sequence(...names)));
  }
  return out;
}

/** KeyUsage as a DER named-bit BIT STRING (trailing zero bits dropped). */
function keyUsageBits(usages: KeyUsage[]): Buffer {
  let bits = 0;
  for (const u of usages) bits |= 0x8000 >> KEY_USAGE_BITS[u];
  const bytes = bits & 0xff ? [bits >> 8, bits & 0xff] : [bits >> 8];
  const last = bytes[bytes.length - 1];
  let unused = 0;
  while (unused < 8 && !(last & (1 << unused))) unused++;
  return der.tlv(0x03, Buffer.from([unused, ...bytes]));
}

export function encodeName(dn: DistinguishedName): Buffer {
  const rdns: Buffer[] = [];
  if (dn.organization)
    rdns.push(der.setOf(der.sequence(der.oid(OID.organizationName), der.utf8String(dn.organization))));
  rdns.push(der.setOf(der.sequence(der.oid(OID.commonName), der.utf8String(dn.commonName))));
  return der.sequence(...rdns);
}

/** The facts Windows shows about a certificate, as our outputs carry them. */
export interface CertificateFacts {
  /** SHA-1 of the DER, upper-case hex without separators: what certlm.msc and the Server Configurator show. */
  thumbprint: string;
  sha256Fingerprint: string;
  /** Upper-case hex without separators. */
  serialNumber: string;
  /** Most specific first, as Windows shows it: "CN=rec01.vms.example.local" or "CN=VMS Certificate Authority, O=Site". */
  subject: string;
  notBefore: string;
  notAfter: string;
}

export function describeCertificate(certDer: Buffer): CertificateFacts {
  const x = new X509Certificate(certDer);
  return {
    thumbprint: createHash("sha1").update(certDer).digest("hex").toUpperCase(),
    sha256Fingerprint: createHash("sha256").update(certDer).digest("hex").toUpperCase(),
    serialNumber: readCertificate(certDer)
      .serial.toString("hex")
      .toUpperCase()
      .replace(/^(00)+(?=..)/, ""),
    subject: x.subject.split("\n").reverse().join(", "),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
  };
}

export const pemToDer = (pem: string): Buffer =>
  Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, "").replace(/\s+/g, ""), "base64");

export const derToPem = (certDer: Buffer, label = "CERTIFICATE"): string =>
  `-----BEGIN ${label}-----\n${certDer
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "")}\n-----END ${label}-----\n`;

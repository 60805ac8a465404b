/**
 * Adoption: taking over a CA or a server certificate that already exists (made by the vendor's PowerShell
 * script, by @pulumi/tls, by OpenSSL). Pure: the material and the time are passed in; the answer is what can
 * be used, what must be refused and what deserves a warning.
 */
import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from "node:crypto";
import { contentOf, readCertificate, readTlv } from "./der-reader";
import { isWholeDer } from "./inspect";
import { OID } from "./oids";
import { PfxError, readPfx } from "./pfx-read";
import { CertificateFacts, describeCertificate, pemToDer } from "./x509";

/** Existing material, as the user gives it: a PFX and its password, or a PEM certificate and key. */
export type ExistingMaterial =
  | { kind: "pfx"; pfxBase64: string; password: string }
  | { kind: "pem"; certificatePem: string; privateKeyPem: string };

export interface AdoptedMaterial {
  certificateDer: Buffer;
  privateKey: KeyObject;
  /** Other certificates found with it (a PFX's chain). */
  otherCertificatesDer: Buffer[];
  facts: CertificateFacts;
  rsaBits: number;
}

/** A problem with the material: `field` is the input to blame. */
export interface AdoptionProblem {
  field: "pfx" | "password" | "certificatePem" | "privateKeyPem";
  reason: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Opens the material; a problem (never an exception) when it cannot be used at all. */
export function openMaterial(m: ExistingMaterial): AdoptedMaterial | AdoptionProblem {
  let certificateDer: Buffer;
  let privateKey: KeyObject;
  let others: Buffer[] = [];
  if (m.kind === "pfx") {
    const text = m.pfxBase64.replace(/\s+/g, "");
    if (!BASE64.test(text) || text.length % 4 !== 0) {
      return {
        field: "pfx",
        reason:
          `is not base64 (${describeSecret(m.pfxBase64)}): give the file's bytes in base64, e.g. ` +
          `[Convert]::ToBase64String([IO.File]::ReadAllBytes("ca.pfx")) or base64 -w0 ca.pfx`,
      };
    }
    try {
      const c = readPfx(Buffer.from(text, "base64"), m.password);
      certificateDer = c.certificateDer;
      privateKey = createPrivateKey({ key: c.privateKeyDer, format: "der", type: "pkcs8" });
      others = c.otherCertificatesDer;
    } catch (e) {
      if (e instanceof PfxError) {
        return { field: e.problem === "wrong-password" ? "password" : "pfx", reason: e.message };
      }
      throw e;
    }
  } else {
    try {
      certificateDer = pemToDer(m.certificatePem);
      if (!isWholeDer(certificateDer)) throw new Error("not one DER value");
      new X509Certificate(certificateDer);
      if (!m.certificatePem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no BEGIN CERTIFICATE");
    } catch {
      return {
        field: "certificatePem",
        reason: `is not a PEM certificate (${describeSecret(m.certificatePem)})`,
      };
    }
    try {
      privateKey = createPrivateKey(m.privateKeyPem);
    } catch {
      return {
        field: "privateKeyPem",
        reason: `is not a PEM private key (PKCS#1 or PKCS#8, unencrypted) (${describeSecret(m.privateKeyPem)})`,
      };
    }
    const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
    if (!readCertificate(certificateDer).spki.equals(spki)) {
      return {
        field: "privateKeyPem",
        reason: "does not match the certificate: it is the key of another certificate",
      };
    }
  }
  if (!isWholeDer(certificateDer)) {
    return {
      field: "pfx",
      reason: "its certificate is damaged (its length does not match its bytes): export it again",
    };
  }
  if (privateKey.asymmetricKeyType !== "rsa") {
    return {
      field: m.kind === "pfx" ? "pfx" : "privateKeyPem",
      reason: `holds a ${privateKey.asymmetricKeyType} key: only RSA keys are supported`,
    };
  }
  let facts: CertificateFacts;
  try {
    facts = describeCertificate(certificateDer);
  } catch (e) {
    return {
      field: m.kind === "pfx" ? "pfx" : "certificatePem",
      reason: `holds a damaged certificate (${(e as Error).message}): export it again`,
    };
  }
  return {
    certificateDer,
    privateKey,
    otherCertificatesDer: others,
    facts,
    rsaBits: privateKey.asymmetricKeyDetails?.modulusLength ?? 0,
  };
}

export const isProblem = (v: AdoptedMaterial | AdoptionProblem): v is AdoptionProblem => "reason" in v;

export interface CaSuitability {
  /** Reasons it cannot sign our certificates (empty: it can). */
  problems: string[];
  /** True when it has no basicConstraints at all (as the vendor's script makes it). */
  basicConstraintsAbsent: boolean;
}

/** Whether a certificate can be the site's CA: keyCertSign, not CA:FALSE, not expired at `now`. */
/** `now` undefined: expiry is not judged (a CA adopted earlier that expires in service). */
export function caSuitability(certificateDer: Buffer, now: Date | undefined): CaSuitability {
  try {
    return readCaSuitability(certificateDer, now);
  } catch (e) {
    return {
      problems: [`its certificate is damaged (${(e as Error).message}): export it again`],
      basicConstraintsAbsent: false,
    };
  }
}

function readCaSuitability(certificateDer: Buffer, now: Date | undefined): CaSuitability {
  const cert = readCertificate(certificateDer);
  const facts = describeCertificate(certificateDer);
  const problems: string[] = [];
  const ku = cert.extensions.get(OID.keyUsage);
  if (!ku || !hasKeyCertSign(ku.value)) {
    problems.push(
      `its key usage ${ku ? "lacks" : "is absent, so it has no"} keyCertSign: it is not a CA and cannot sign ` +
        `certificates (the vendor's script gives its CA -KeyUsage CertSign, CRLSign, DigitalSignature)`,
    );
  }
  const x = new X509Certificate(certificateDer);
  if (!x.verify(x.publicKey)) {
    problems.push(
      "it is not a self-signed root (its signature does not verify with its own key): adopt the site's root " +
        "CA itself (intermediate CAs are not supported); a damaged export also fails this: export it again",
    );
  }
  const bc = cert.extensions.get(OID.basicConstraints);
  if (bc && !isCaTrue(bc.value)) {
    problems.push("its basicConstraints say CA:FALSE: it is an end-entity certificate, not a CA");
  }
  if (now !== undefined && Date.parse(facts.notAfter) <= now.getTime()) {
    problems.push(`it expired on ${facts.notAfter}: a CA cannot be adopted once expired; make a new one`);
  }
  return { problems, basicConstraintsAbsent: !bc };
}

function hasKeyCertSign(value: Buffer): boolean {
  const bits = readTlv(value, 0);
  const content = contentOf(value, bits);
  return content.length > 1 && (content[1] & 0x04) !== 0;
}

function isCaTrue(value: Buffer): boolean {
  const seq = readTlv(value, 0);
  if (seq.contentStart === seq.end) return false; // empty SEQUENCE: cA DEFAULT FALSE
  const first = readTlv(value, seq.contentStart);
  return first.tag === 0x01 && value[first.contentStart] !== 0;
}

/**
 * What can be said of a secret input that is not what it should be, without a character of it: its length, and
 * whether it looks like PEM at all. (A password pasted into the wrong key must not reach a log.)
 */
function describeSecret(text: string): string {
  const t = text.trim();
  if (t === "") return "it is empty";
  const pem = t.startsWith("-----BEGIN ") ? "PEM-armoured" : "without a PEM header";
  return `${t.length} characters, ${pem}; its text is not shown`;
}

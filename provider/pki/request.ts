/**
 * A PKCS#10 certification request (RFC 2986) for a certificate another CA signs: the subject, the public key and,
 * in the extensionRequest attribute, the same extensions a certificate issued here carries (names, key usages,
 * critical serverAuth). Written with our DER writer, signed natively (SHA-256 with RSA). Pure.
 */
import { createHash, createPrivateKey, sign } from "node:crypto";
import * as der from "./der";
import { OID } from "./oids";
import { CertificateTemplate, derToPem, encodeName, templateExtensions } from "./x509";

export interface RequestInput {
  template: CertificateTemplate;
  /** The key being certified: PKCS#8 PEM (signs the request) and its SubjectPublicKeyInfo DER. */
  privateKeyPem: string;
  publicKeyDer: Buffer;
}

/** The request, PEM ("BEGIN CERTIFICATE REQUEST"), as `certreq -submit` and `openssl ca` take it. */
export function certificateRequestPem(p: RequestInput): string {
  const info = der.sequence(
    der.integer(0),
    encodeName(p.template.subject),
    p.publicKeyDer,
    der.explicit(
      0,
      der.sequence(der.oid(OID.extensionRequest), der.setOf(der.sequence(...templateExtensions(p.template)))),
    ),
  );
  const algorithm = der.algorithm(OID.sha256WithRSAEncryption);
  const signature = sign("sha256", info, createPrivateKey(p.privateKeyPem));
  return derToPem(der.sequence(info, algorithm, der.bitString(signature)), "CERTIFICATE REQUEST");
}

/**
 * A request's name: the first 16 hex digits (upper case) of the SHA-256 of its public key. A certificate signed
 * for a request has the same key, so it names its request too (and one signed for an older request names that).
 */
export const requestIdOf = (publicKeyDer: Buffer): string =>
  createHash("sha256").update(publicKeyDer).digest("hex").slice(0, 16).toUpperCase();

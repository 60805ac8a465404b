/**
 * ACME Renewal Information (RFC 9773): a certificate's CertID, `base64url(AKI keyIdentifier) "." base64url(serial)`,
 * the path under the directory's `renewalInfo` URL. Pure.
 */
import { children, contentOf, readCertificate, readTlv } from "./der-reader";
import { OID } from "./oids";

const b64url = (b: Buffer): string => b.toString("base64url");

/** The CertID of a certificate (DER), or undefined when it has no authorityKeyIdentifier keyIdentifier. */
export function ariCertId(certificateDer: Buffer): string | undefined {
  const parts = readCertificate(certificateDer);
  const aki = parts.extensions.get(OID.authorityKeyIdentifier);
  if (!aki) return undefined;
  const seq = readTlv(aki.value, 0);
  const keyId = children(aki.value, seq).find((t) => t.tag === 0x80);
  if (!keyId) return undefined;
  return `${b64url(contentOf(aki.value, keyId))}.${b64url(parts.serial)}`;
}

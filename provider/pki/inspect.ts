/** What a certificate says, read from its DER: its names, its issuer, whether it is one whole value. Pure. */
import { X509Certificate } from "node:crypto";
import { children, contentOf, readCertificate, readTlv } from "./der-reader";
import { bytesToIp } from "./names";
import { OID } from "./oids";

/** Whether `certificateDer` was signed by the CA (issuer name and signature). */
export function issuedBy(certificateDer: Buffer, caCertificateDer: Buffer): boolean {
  const cert = new X509Certificate(certificateDer);
  const ca = new X509Certificate(caCertificateDer);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

/**
 * The DNS names (lower case) and IP addresses of a certificate's subjectAltName, read from its DER: each
 * address as its 4 or 16 bytes, in the canonical text `normaliseIpAddress` gives, so that an address compares
 * equal to the configured one however either was written (Node's own text says FD00:0:0:0:0:0:0:10).
 */
export function subjectAltNames(certificateDer: Buffer): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  const san = readCertificate(certificateDer).extensions.get(OID.subjectAltName);
  if (!san) return { dnsNames, ipAddresses };
  for (const name of children(san.value, readTlv(san.value, 0))) {
    const content = contentOf(san.value, name);
    if (name.tag === 0x82) dnsNames.push(content.toString("latin1").toLowerCase());
    else if (name.tag === 0x87 && (content.length === 4 || content.length === 16)) {
      ipAddresses.push(bytesToIp(content));
    }
  }
  return { dnsNames, ipAddresses };
}

/** The first CN of a certificate's subject, if any. */
export function commonNameOf(certificateDer: Buffer): string | undefined {
  const line = new X509Certificate(certificateDer).subject.split("\n").find((l) => l.startsWith("CN="));
  return line?.slice(3);
}

/** One DER value, exactly: a length that disagrees with the bytes (damage, or trailing data) is refused. */
export function isWholeDer(der: Buffer): boolean {
  try {
    return readTlv(der, 0).end === der.length;
  } catch {
    return false;
  }
}

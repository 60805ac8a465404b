/** A minimal DER reader: enough to walk a certificate to its names, key and extensions. */

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

export function readTlv(buf: Buffer, offset: number): Tlv {
  if (offset + 2 > buf.length) throw new Error(`DER: truncated at offset ${offset}`);
  const tag = buf[offset];
  let len = buf[offset + 1];
  let contentStart = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || contentStart + n > buf.length)
      throw new Error(`DER: bad length at offset ${offset}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[contentStart + i];
    contentStart += n;
  }
  const end = contentStart + len;
  if (end > buf.length) throw new Error(`DER: content past the end at offset ${offset}`);
  return { tag, start: offset, contentStart, end };
}

/** The elements of a constructed value. */
export function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readTlv(buf, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

export const bytesOf = (buf: Buffer, t: Tlv): Buffer => buf.subarray(t.start, t.end);
export const contentOf = (buf: Buffer, t: Tlv): Buffer => buf.subarray(t.contentStart, t.end);

/** Dotted text of an OBJECT IDENTIFIER's content. */
export function oidText(content: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs.shift() ?? 0;
  const a = first < 80 ? Math.floor(first / 40) : 2;
  return [a, first - a * 40, ...arcs].join(".");
}

export interface CertificateParts {
  tbs: Buffer;
  serial: Buffer;
  issuer: Buffer;
  subject: Buffer;
  spki: Buffer;
  /** Extensions by OID: whether critical, and the extnValue's content (the DER inside the OCTET STRING). */
  extensions: Map<string, { critical: boolean; value: Buffer }>;
}

/** Splits an X.509 certificate into the parts issuance and adoption need. */
export function readCertificate(der: Buffer): CertificateParts {
  const cert = readTlv(der, 0);
  const [tbsTlv] = children(der, cert);
  const fields = children(der, tbsTlv);
  const hasVersion = fields[0].tag === 0xa0;
  const f = hasVersion ? fields.slice(1) : fields;
  const [serial, , issuer, , subject, spki, ...rest] = f;
  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  const extWrapper = rest.find((t) => t.tag === 0xa3);
  if (extWrapper) {
    const [list] = children(der, extWrapper);
    for (const ext of children(der, list)) {
      const parts = children(der, ext);
      const critical = parts.length === 3 && der[parts[1].contentStart] !== 0;
      extensions.set(oidText(contentOf(der, parts[0])), {
        critical,
        value: contentOf(der, parts[parts.length - 1]),
      });
    }
  }
  return {
    tbs: bytesOf(der, tbsTlv),
    serial: contentOf(der, serial),
    issuer: bytesOf(der, issuer),
    subject: bytesOf(der, subject),
    spki: bytesOf(der, spki),
    extensions,
  };
}

/**
 * Reading a PFX (PKCS#12, RFC 7292) as Windows' Export-PfxCertificate, OpenSSL and this provider write it:
 * the MAC is checked (a wrong password is said as such), the bags are decrypted with native ciphers
 * (3DES and AES through PBES2; RC2, which OpenSSL 3 keeps in its legacy provider, through node-forge), and the
 * certificates come back byte for byte, so that thumbprints are kept.
 */
import { createDecipheriv, createHmac, createPrivateKey, createPublicKey, pbkdf2Sync } from "node:crypto";
import { children, contentOf, oidText, readCertificate, readTlv, Tlv } from "./der-reader";
import { OID } from "./oids";
import { pkcs12Kdf } from "./pkcs12";

export type PfxProblem =
  "not-pfx" | "wrong-password" | "unsupported" | "no-key" | "no-certificate" | "key-mismatch";

/** Why a PFX cannot be used; `problem` for code, the message for people. */
export class PfxError extends Error {
  constructor(
    readonly problem: PfxProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface PfxContents {
  /** PKCS#8 DER of the (one) private key. */
  privateKeyDer: Buffer;
  /** The certificate of that key, DER, as stored. */
  certificateDer: Buffer;
  /** The other certificates in the file (a chain), DER, in file order. */
  otherCertificatesDer: Buffer[];
}

/** The key, its certificate and the rest of a PFX. Throws a PfxError. */
export function readPfx(pfx: Buffer, password: string): PfxContents {
  let bags: Bags;
  try {
    bags = readBags(pfx, password);
  } catch (e) {
    if (e instanceof PfxError) throw e;
    throw new PfxError("not-pfx", `not a PKCS#12 (PFX) file: ${(e as Error).message}`);
  }
  if (bags.keys.length === 0) {
    throw new PfxError(
      "no-key",
      "holds no private key: export it again with its private key (Export-PfxCertificate exports the key " +
        "only when it is marked exportable)",
    );
  }
  if (bags.certificates.length === 0) throw new PfxError("no-certificate", "holds no certificate");
  const privateKeyDer = bags.keys[0];
  let spki: Buffer;
  try {
    spki = createPublicKey(createPrivateKey({ key: privateKeyDer, format: "der", type: "pkcs8" })).export({
      type: "spki",
      format: "der",
    });
  } catch (e) {
    throw new PfxError("not-pfx", `its private key cannot be read: ${(e as Error).message}`);
  }
  const index = bags.certificates.findIndex((c) => readCertificate(c).spki.equals(spki));
  if (index < 0) {
    throw new PfxError("key-mismatch", "its private key belongs to none of its certificates");
  }
  return {
    privateKeyDer,
    certificateDer: bags.certificates[index],
    otherCertificatesDer: bags.certificates.filter((_, i) => i !== index),
  };
}

interface Bags {
  keys: Buffer[];
  certificates: Buffer[];
}

function readBags(pfx: Buffer, password: string): Bags {
  const top = readTlv(pfx, 0);
  if (top.tag !== 0x30 || top.end !== pfx.length) throw new Error("not one DER SEQUENCE");
  const [version, authSafe, macData] = children(pfx, top);
  if (!version || version.tag !== 0x02 || !authSafe) throw new Error("no version or content");
  const [contentType, explicit] = children(pfx, authSafe);
  if (oidText(contentOf(pfx, contentType)) !== OID.data) throw new Error("content is not PKCS#7 data");
  const authenticatedSafe = octets(pfx, children(pfx, explicit)[0]);
  if (macData) checkMac(pfx, macData, authenticatedSafe, password);
  const bags: Bags = { keys: [], certificates: [] };
  const list = readTlv(authenticatedSafe, 0);
  for (const info of children(authenticatedSafe, list)) {
    const [type, content] = children(authenticatedSafe, info);
    const kind = oidText(contentOf(authenticatedSafe, type));
    if (kind === OID.data) {
      readSafeContents(octets(authenticatedSafe, children(authenticatedSafe, content)[0]), password, bags);
    } else if (kind === OID.encryptedData) {
      const [encryptedData] = children(authenticatedSafe, content);
      const [, encryptedContentInfo] = children(authenticatedSafe, encryptedData);
      const [, algorithm, encrypted] = children(authenticatedSafe, encryptedContentInfo);
      const plain = decrypt(
        authenticatedSafe,
        algorithm,
        implicitOctets(authenticatedSafe, encrypted),
        password,
      );
      readSafeContents(plain, password, bags);
    } else {
      throw new PfxError("unsupported", `uses content type ${kind}, which this reader does not open`);
    }
  }
  return bags;
}

function readSafeContents(buf: Buffer, password: string, bags: Bags): void {
  for (const bag of children(buf, readTlv(buf, 0))) {
    const [id, value] = children(buf, bag);
    const bagId = oidText(contentOf(buf, id));
    const inner = children(buf, value)[0];
    if (bagId === OID.keyBag) bags.keys.push(Buffer.from(buf.subarray(inner.start, inner.end)));
    else if (bagId === OID.pkcs8ShroudedKeyBag) {
      const [algorithm, data] = children(buf, inner);
      bags.keys.push(decrypt(buf, algorithm, contentOf(buf, data), password));
    } else if (bagId === OID.certBag) {
      const [certId, certValue] = children(buf, inner);
      if (oidText(contentOf(buf, certId)) === OID.x509Certificate) {
        bags.certificates.push(Buffer.from(octets(buf, children(buf, certValue)[0])));
      }
    }
  }
}

function checkMac(pfx: Buffer, macData: Tlv, content: Buffer, password: string): void {
  const [digestInfo, saltTlv, iterationsTlv] = children(pfx, macData);
  const [algorithm, digestTlv] = children(pfx, digestInfo);
  const hashOid = oidText(contentOf(pfx, children(pfx, algorithm)[0]));
  const hash = hashOid === OID.sha1 ? "sha1" : hashOid === OID.sha256 ? "sha256" : undefined;
  if (!hash) throw new PfxError("unsupported", `its MAC uses ${hashOid}: re-export it with SHA-1 or SHA-256`);
  const iterations = iterationsTlv ? integer(pfx, iterationsTlv) : 1;
  const key = pkcs12Kdf(hash, password, contentOf(pfx, saltTlv), 3, iterations, hash === "sha1" ? 20 : 32);
  const mac = createHmac(hash, key).update(content).digest();
  if (!mac.equals(contentOf(pfx, digestTlv))) {
    throw new PfxError("wrong-password", "the password is wrong (the PFX's integrity check fails with it)");
  }
}

/** Decrypts with a PKCS#12 PBE or PBES2 algorithm. */
function decrypt(buf: Buffer, algorithm: Tlv, data: Buffer, password: string): Buffer {
  const [oidTlv, params] = children(buf, algorithm);
  const oid = oidText(contentOf(buf, oidTlv));
  try {
    if (oid === OID.pbeWithSHAAnd3KeyTripleDESCBC) {
      const [salt, iterations] = children(buf, params).map((t, i) => (i === 0 ? contentOf(buf, t) : t));
      const n = integer(buf, iterations as Tlv);
      const key = pkcs12Kdf("sha1", password, salt as Buffer, 1, n, 24);
      const iv = pkcs12Kdf("sha1", password, salt as Buffer, 2, n, 8);
      return decipher("des-ede3-cbc", key, iv, data);
    }
    if (oid === OID.pbeWithSHAAnd40BitRC2CBC || oid === OID.pbeWithSHAAnd128BitRC2CBC) {
      const [saltTlv, iterations] = children(buf, params);
      const salt = contentOf(buf, saltTlv);
      const n = integer(buf, iterations);
      const bits = oid === OID.pbeWithSHAAnd40BitRC2CBC ? 40 : 128;
      const key = pkcs12Kdf("sha1", password, salt, 1, n, bits / 8);
      return rc2Decrypt(key, pkcs12Kdf("sha1", password, salt, 2, n, 8), data, bits);
    }
    if (oid === OID.pbes2) return pbes2Decrypt(buf, params, data, password);
  } catch (e) {
    if (e instanceof PfxError) throw e;
    throw new PfxError("wrong-password", `cannot be decrypted with this password (${(e as Error).message})`);
  }
  throw new PfxError(
    "unsupported",
    `is encrypted with ${oid}, which this reader does not open: export it with TripleDES-SHA1 or AES256-SHA256`,
  );
}

const PBES2_CIPHERS: Record<string, { name: string; keyLength: number }> = {
  [OID.aes128Cbc]: { name: "aes-128-cbc", keyLength: 16 },
  [OID.aes192Cbc]: { name: "aes-192-cbc", keyLength: 24 },
  [OID.aes256Cbc]: { name: "aes-256-cbc", keyLength: 32 },
  [OID.desEde3Cbc]: { name: "des-ede3-cbc", keyLength: 24 },
};
const PRFS: Record<string, string> = {
  [OID.hmacWithSHA1]: "sha1",
  [OID.hmacWithSHA256]: "sha256",
  [OID.hmacWithSHA384]: "sha384",
  [OID.hmacWithSHA512]: "sha512",
};

function pbes2Decrypt(buf: Buffer, params: Tlv, data: Buffer, password: string): Buffer {
  const [kdf, scheme] = children(buf, params);
  const [kdfOid, kdfParams] = children(buf, kdf);
  if (oidText(contentOf(buf, kdfOid)) !== OID.pbkdf2)
    throw new PfxError("unsupported", "uses a PBES2 KDF other than PBKDF2");
  const [salt, iterations, ...rest] = children(buf, kdfParams);
  const prfTlv = rest.find((t) => t.tag === 0x30);
  const prfOid = prfTlv ? oidText(contentOf(buf, children(buf, prfTlv)[0])) : OID.hmacWithSHA1;
  const [schemeOid, iv] = children(buf, scheme);
  const cipher = PBES2_CIPHERS[oidText(contentOf(buf, schemeOid))];
  const prf = PRFS[prfOid];
  if (!cipher || !prf)
    throw new PfxError("unsupported", "uses a PBES2 cipher or PRF this reader does not know");
  const key = pbkdf2Sync(
    Buffer.from(password, "utf8"),
    contentOf(buf, salt),
    integer(buf, iterations),
    cipher.keyLength,
    prf,
  );
  return decipher(cipher.name, key, contentOf(buf, iv), data);
}

function decipher(name: string, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const d = createDecipheriv(name, key, iv);
  return Buffer.concat([d.update(data), d.final()]);
}

/** RC2 is not in OpenSSL 3's default provider: node-forge's, loaded only for such files. */
function rc2Decrypt(key: Buffer, iv: Buffer, data: Buffer, bits: number): Buffer {
  const forge = require("node-forge") as typeof import("node-forge");
  const cipher = forge.rc2.createDecryptionCipher(key.toString("binary"), bits);
  cipher.start(iv.toString("binary"), null as never);
  cipher.update(forge.util.createBuffer(data.toString("binary")));
  if (!cipher.finish()) throw new Error("bad padding");
  return Buffer.from(cipher.output.getBytes(), "binary");
}

/** More rounds than any exporter uses (Windows 2000, OpenSSL 2048): a damaged or hostile file would hang check. */
export const MAX_PFX_ITERATIONS = 10_000_000;

/** An iteration count (the only INTEGERs read here). */
function integer(buf: Buffer, t: Tlv): number {
  const c = contentOf(buf, t);
  if (t.tag !== 0x02 || c.length > 6) throw new Error("bad INTEGER");
  const n = c.reduce((v, b) => v * 256 + b, 0);
  if (n > MAX_PFX_ITERATIONS) {
    throw new PfxError(
      "unsupported",
      `asks for ${n} key-derivation rounds, more than MAX_PFX_ITERATIONS (${MAX_PFX_ITERATIONS})`,
    );
  }
  return n;
}

/** An OCTET STRING's bytes, primitive or (BER) constructed. */
function octets(buf: Buffer, t: Tlv): Buffer {
  if (t.tag === 0x04) return contentOf(buf, t);
  if (t.tag === 0x24) return Buffer.concat(children(buf, t).map((c) => octets(buf, c)));
  throw new Error(`expected an OCTET STRING, found tag 0x${t.tag.toString(16)}`);
}

/** `[0] IMPLICIT OCTET STRING`, primitive (0x80) or constructed (0xa0). */
function implicitOctets(buf: Buffer, t: Tlv): Buffer {
  if (t.tag === 0x80) return contentOf(buf, t);
  if (t.tag === 0xa0) return Buffer.concat(children(buf, t).map((c) => octets(buf, c)));
  throw new Error(`expected encrypted content, found tag 0x${t.tag.toString(16)}`);
}

/**
 * PKCS#12 (PFX) files that Windows imports, written with our DER writer and Node's native ciphers.
 *
 * Profiles (cert-manager names the same choice LegacyDES / Modern2023):
 * - legacy-3des: key and certificates under pbeWithSHAAnd3-KeyTripleDES-CBC, HMAC-SHA1 MAC. Every Windows
 *   version imports it, and OpenSSL 3 reads it without -legacy.
 * - modern-aes256: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and an HMAC-SHA256 MAC, as Windows' own
 *   AES256_SHA256 export writes it. Windows 10 1709+ and Server 2019+ import it; older Windows cannot.
 *
 * Layout: the shrouded key bag and the leaf's certificate bag share a localKeyId (the SHA-1 of the leaf); the
 * leaf's bag carries the friendly name Windows shows; each chain certificate has a bag of its own.
 *
 * The key bag carries no friendlyName. On a key bag, Windows reads that attribute as the key container name to
 * import the key under, and its own export (Export-PfxCertificate) writes the key's container name there, never
 * the certificate's friendly name (dotnet/corefx#8408; OctopusDeploy/Issues#3689: "VMS SSL Certificate", with
 * spaces, as a container name breaks CNG key use in WCF). Without it Windows makes a fresh unique name, as .NET's
 * own test PFX files were changed to do.
 */
import * as crypto from "node:crypto";
import { createCipheriv, createHash, createHmac, pbkdf2Sync } from "node:crypto";
import * as der from "./der";
import { OID } from "./oids";
import { PKCS12_ITERATIONS } from "./limits";
import type { RandomBytes } from "./random";

export const PFX_PROFILES = ["legacy-3des", "modern-aes256"] as const;
export type PfxProfile = (typeof PFX_PROFILES)[number];

export interface PfxRequest {
  /** PKCS#8 PrivateKeyInfo DER of the leaf's key. */
  privateKeyDer: Buffer;
  /** The leaf certificate (DER). */
  certificateDer: Buffer;
  /** Chain certificates to include after the leaf (the CA), DER. */
  chainDer: Buffer[];
  /** Not empty: an empty password is refused before we get here. */
  password: string;
  profile: PfxProfile;
  /** Shown by Windows' certificate manager ("VMS SSL Certificate"). */
  friendlyName: string;
  randomBytes: RandomBytes;
  iterations?: number;
}

export function buildPfx(req: PfxRequest): Buffer {
  const iterations = req.iterations ?? PKCS12_ITERATIONS;
  if (!req.password) throw new Error("buildPfx: the password is empty");
  const localKeyId = createHash("sha1").update(req.certificateDer).digest();
  const localKeyIdAttribute = der.sequence(der.oid(OID.localKeyId), der.setOf(der.octetString(localKeyId)));
  const leafAttributes = [
    der.sequence(der.oid(OID.friendlyName), der.setOf(der.bmpString(req.friendlyName))),
    localKeyIdAttribute,
  ];

  const encrypt = (plain: Buffer): { algorithm: Buffer; cipherText: Buffer } =>
    req.profile === "legacy-3des"
      ? encryptPbeSha3Des(plain, req.password, req.randomBytes(8), iterations)
      : encryptPbes2Aes256(plain, req.password, req.randomBytes(16), req.randomBytes(16), iterations);

  const shrouded = encrypt(req.privateKeyDer);
  const keyBag = der.sequence(
    der.oid(OID.pkcs8ShroudedKeyBag),
    der.explicit(0, der.sequence(shrouded.algorithm, der.octetString(shrouded.cipherText))),
    der.setOf(localKeyIdAttribute),
  );
  const certBag = (certDer: Buffer, attributes: Buffer[]): Buffer =>
    der.sequence(
      der.oid(OID.certBag),
      der.explicit(0, der.sequence(der.oid(OID.x509Certificate), der.explicit(0, der.octetString(certDer)))),
      ...(attributes.length ? [der.setOf(...attributes)] : []),
    );
  const certSafe = der.sequence(
    certBag(req.certificateDer, leafAttributes),
    ...req.chainDer.map((c) => certBag(c, [])),
  );
  const encryptedCerts = encrypt(certSafe);

  const authenticatedSafe = der.sequence(
    // The certificates, encrypted as Windows and OpenSSL do.
    der.sequence(
      der.oid(OID.encryptedData),
      der.explicit(
        0,
        der.sequence(
          der.integer(0),
          der.sequence(
            der.oid(OID.data),
            encryptedCerts.algorithm,
            der.implicitPrimitive(0, encryptedCerts.cipherText),
          ),
        ),
      ),
    ),
    // The key, already shrouded, in plain data.
    der.sequence(der.oid(OID.data), der.explicit(0, der.octetString(der.sequence(keyBag)))),
  );

  const macHash = req.profile === "legacy-3des" ? "sha1" : "sha256";
  const macSalt = req.randomBytes(req.profile === "legacy-3des" ? 8 : 16);
  const macKey = pkcs12Kdf(macHash, req.password, macSalt, 3, iterations, macHash === "sha1" ? 20 : 32);
  const mac = createHmac(macHash, macKey).update(authenticatedSafe).digest();
  const macData = der.sequence(
    der.sequence(der.algorithm(macHash === "sha1" ? OID.sha1 : OID.sha256), der.octetString(mac)),
    der.octetString(macSalt),
    der.integer(iterations),
  );
  return der.sequence(
    der.integer(3),
    der.sequence(der.oid(OID.data), der.explicit(0, der.octetString(authenticatedSafe))),
    macData,
  );
}

function encryptPbeSha3Des(plain: Buffer, password: string, salt: Buffer, iterations: number) {
  const key = pkcs12Kdf("sha1", password, salt, 1, iterations, 24);
  const iv = pkcs12Kdf("sha1", password, salt, 2, iterations, 8);
  const cipher = createCipheriv("des-ede3-cbc", key, iv);
  return {
    algorithm: der.sequence(
      der.oid(OID.pbeWithSHAAnd3KeyTripleDESCBC),
      der.sequence(der.octetString(salt), der.integer(iterations)),
    ),
    cipherText: Buffer.concat([cipher.update(plain), cipher.final()]),
  };
}

function encryptPbes2Aes256(plain: Buffer, password: string, salt: Buffer, iv: Buffer, iterations: number) {
  // PBES2 takes the password's UTF-8 bytes (PKCS#12's own KDF takes BMPString; Windows and OpenSSL agree).
  const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  return {
    algorithm: der.sequence(
      der.oid(OID.pbes2),
      der.sequence(
        der.sequence(
          der.oid(OID.pbkdf2),
          der.sequence(
            der.octetString(salt),
            der.integer(iterations),
            der.integer(32),
            der.algorithm(OID.hmacWithSHA256),
          ),
        ),
        der.sequence(der.oid(OID.aes256Cbc), der.octetString(iv)),
      ),
    ),
    cipherText: Buffer.concat([cipher.update(plain), cipher.final()]),
  };
}

/** One-shot hashing (Node 20.12+) is about a third faster than createHash in the KDF's 2048-round loops. */
const digest: (hash: "sha1" | "sha256", data: Buffer) => Buffer =
  typeof crypto.hash === "function"
    ? (hash, data) => crypto.hash(hash, data, "buffer")
    : (hash, data) => createHash(hash).update(data).digest();

/**
 * The PKCS#12 key derivation (RFC 7292 appendix B.2): id 1 for keys, 2 for IVs, 3 for MAC keys.
 * The password is a BMPString with a two-byte terminator.
 */
export function pkcs12Kdf(
  hash: "sha1" | "sha256",
  password: string,
  salt: Buffer,
  id: 1 | 2 | 3,
  iterations: number,
  length: number,
): Buffer {
  const u = hash === "sha1" ? 20 : 32;
  const v = 64;
  const pass = Buffer.concat([Buffer.from(password, "utf16le").swap16(), Buffer.alloc(2)]);
  const fill = (src: Buffer): Buffer => {
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length];
    return out;
  };
  const I = Buffer.concat([salt.length ? fill(salt) : Buffer.alloc(0), fill(pass)]);
  const D = Buffer.alloc(v, id);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let A = digest(hash, Buffer.concat([D, I]));
    for (let r = 1; r < iterations; r++) A = digest(hash, A);
    blocks.push(A);
    if (produced + u >= length) break;
    const B = fill(A).subarray(0, v);
    for (let j = 0; j < I.length; j += v) {
      // I_j = (I_j + B + 1) mod 2^(v*8)
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k] + B[k] + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** RSA keys, made by Node's native, asynchronous generator so that many are made in parallel on the thread pool. */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, KeyObject } from "node:crypto";
import { readTlv } from "./der-reader";

export interface KeyPair {
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"). */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo DER, as it goes into a certificate. */
  publicKeyDer: Buffer;
}

/** Makes keys; injected so that tests can count or fail key generation. */
export type KeyGenerator = (bits: number) => Promise<KeyPair>;

export const generateRsaKeyPair: KeyGenerator = (bits) =>
  new Promise((resolve, reject) =>
    generateKeyPair(
      "rsa",
      {
        modulusLength: bits,
        publicExponent: 0x10001,
        publicKeyEncoding: { type: "spki", format: "der" },
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
      },
      (err, publicKeyDer, privateKeyPem) => (err ? reject(err) : resolve({ privateKeyPem, publicKeyDer })),
    ),
  );

/** The key pair of an existing private key (PKCS#1 or PKCS#8 PEM). */
export function keyPairFromPrivateKey(privateKeyPem: string): KeyPair & { key: KeyObject } {
  const key = createPrivateKey(privateKeyPem);
  return {
    key,
    privateKeyPem: key.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyDer: createPublicKey(key).export({ type: "spki", format: "der" }),
  };
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits. */
export function keyIdentifier(spkiDer: Buffer): Buffer {
  const spki = readTlv(spkiDer, 0);
  const algorithm = readTlv(spkiDer, spki.contentStart);
  const bits = readTlv(spkiDer, algorithm.end);
  return createHash("sha1")
    .update(spkiDer.subarray(bits.contentStart + 1, bits.end))
    .digest();
}

/**
 * Fixtures that look like what a site already has, made with OpenSSL (independent of our code): a CA as the
 * vendor's New-SelfSignedCertificate script makes it (CN "VMS Certificate Authority", key usages CertSign,
 * CRLSign, DigitalSignature, client and server auth, SAN "DNS:VMS Certificate Authority", no basicConstraints)
 * and a server certificate it issued (critical serverAuth EKU), exported as PFX in 3DES and in AES.
 */
import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const FIXTURE_PASSWORD = "Vendor-Pa55word";

export interface Pair {
  certPem: string;
  keyPem: string;
  thumbprint: string;
  /** base64 PFX, TripleDES-SHA1 (as Export-PfxCertificate writes by default) */
  pfx3des: string;
  /** base64 PFX, AES256-SHA256 */
  pfxAes: string;
}

export interface Fixtures {
  vendorCa: Pair;
  /** rec01.vms.example.local, issued by vendorCa, critical serverAuth. */
  vendorServer: Pair;
  otherCa: Pair;
  /** rec01.vms.example.local again, but issued by otherCa. */
  otherServer: Pair;
  /** basicConstraints CA:FALSE (with keyCertSign). */
  notCa: Pair;
  /** No keyCertSign, no basicConstraints. */
  noCertSign: Pair;
  /** A base64 PFX of vendorCa without its key. */
  caPfxWithoutKey: string;
  /** A CA like vendorCa whose RSA key has three primes (openssl genpkey -pkeyopt rsa_keygen_primes:3). */
  multiPrimeCa: Pair;
}

const CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[vendor_ca]
keyUsage = keyCertSign, cRLSign, digitalSignature
extendedKeyUsage = clientAuth, serverAuth
subjectAltName = DNS:VMS Certificate Authority
subjectKeyIdentifier = hash
[server]
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = critical, serverAuth
subjectAltName = DNS:rec01.vms.example.local
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[not_ca]
basicConstraints = CA:FALSE
keyUsage = keyCertSign, digitalSignature
[no_cert_sign]
keyUsage = digitalSignature, keyEncipherment
`;

/** Makes every fixture (a few RSA-2048 keys: about a second). */
export function makeFixtures(): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), "xpc-vendor-"));
  /** `openssl` with a command line of space-separated words; `extra` words may contain spaces. */
  const run = (words: string, ...extra: string[]) =>
    execFileSync("openssl", [...words.split(" "), ...extra], { cwd: dir, stdio: "pipe" });
  try {
    writeFileSync(join(dir, "openssl.cnf"), CONFIG);
    const selfSigned = (name: string, cn: string, ext: string) =>
      run(
        `req -x509 -newkey rsa:2048 -nodes -keyout ${name}.key -out ${name}.pem -days 3650 -config openssl.cnf ` +
          `-extensions ${ext} -subj`,
        `/CN=${cn}`,
      );
    const issued = (name: string, ca: string) => {
      run(
        `req -new -newkey rsa:2048 -nodes -keyout ${name}.key -out ${name}.csr -config openssl.cnf ` +
          `-subj /CN=rec01.vms.example.local`,
      );
      run(
        `x509 -req -in ${name}.csr -CA ${ca}.pem -CAkey ${ca}.key -CAcreateserial -out ${name}.pem -days 365 ` +
          `-extfile openssl.cnf -extensions server`,
      );
    };
    const pair = (name: string): Pair => {
      const pkcs12 = (file: string, pbe: string, mac: string) =>
        run(
          `pkcs12 -export -in ${name}.pem -inkey ${name}.key -out ${file} -keypbe ${pbe} -certpbe ${pbe} ` +
            `-macalg ${mac} -passout`,
          `pass:${FIXTURE_PASSWORD}`,
        );
      pkcs12(`${name}-3des.pfx`, "PBE-SHA1-3DES", "sha1");
      pkcs12(`${name}-aes.pfx`, "AES-256-CBC", "sha256");
      const certPem = readFileSync(join(dir, `${name}.pem`), "utf8");
      return {
        certPem,
        keyPem: readFileSync(join(dir, `${name}.key`), "utf8"),
        thumbprint: createHash("sha1").update(new X509Certificate(certPem).raw).digest("hex").toUpperCase(),
        pfx3des: readFileSync(join(dir, `${name}-3des.pfx`)).toString("base64"),
        pfxAes: readFileSync(join(dir, `${name}-aes.pfx`)).toString("base64"),
      };
    };
    selfSigned("vendorCa", "VMS Certificate Authority", "vendor_ca");
    issued("vendorServer", "vendorCa");
    selfSigned("otherCa", "Other Authority", "vendor_ca");
    issued("otherServer", "otherCa");
    selfSigned("notCa", "Not A CA", "not_ca");
    selfSigned("noCertSign", "No CertSign", "no_cert_sign");
    run("pkcs12 -export -nokeys -in vendorCa.pem -out nokey.pfx -passout", `pass:${FIXTURE_PASSWORD}`);
    run(
      "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_primes:3 -out multiPrimeCa.key",
    );
    run(
      "req -x509 -key multiPrimeCa.key -out multiPrimeCa.pem -days 3650 -config openssl.cnf -extensions vendor_ca -subj",
      "/CN=Three Primes CA",
    );
    return {
      vendorCa: pair("vendorCa"),
      vendorServer: pair("vendorServer"),
      otherCa: pair("otherCa"),
      otherServer: pair("otherServer"),
      notCa: pair("notCa"),
      noCertSign: pair("noCertSign"),
      caPfxWithoutKey: readFileSync(join(dir, "nokey.pfx")).toString("base64"),
      multiPrimeCa: pair("multiPrimeCa"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

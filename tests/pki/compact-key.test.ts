/** The compact RSA key form: lossless (byte-identical PKCS#8 back), small, and loud when damaged. */
import { execFileSync } from "node:child_process";
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { compactRsaKey, expandRsaKey, isCompactRsaKey, rsaPrimeCount } from "../../provider/pki/compact-key";

describe.each([2048, 3072, 4096])("RSA-%i", (bits) => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();

  test("expands to the byte-identical PKCS#8 key, at about a fifth of the PEM's size", () => {
    const compact = compactRsaKey(pem);
    expect(isCompactRsaKey(compact)).toBe(true);
    const back = expandRsaKey(compact);
    expect(back.export({ type: "pkcs8", format: "der" })).toEqual(
      privateKey.export({ type: "pkcs8", format: "der" }),
    );
    expect(compact.length).toBeLessThan(pem.length / 4);
  });

  test("signs what the original public key verifies", () => {
    const data = Buffer.from("tbsCertificate");
    const signature = sign("sha256", data, expandRsaKey(compactRsaKey(privateKey)));
    expect(verify("sha256", data, createPublicKey(privateKey), signature)).toBe(true);
  });
});

test.each([
  ["not the form", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", /not a compact RSA key/],
  ["a prime swapped for junk", "rsa-pq1.AQAB.Bw.Bw", /no inverse|out of range|key/],
  ["an empty number", "rsa-pq1.AQAB..Bw", /empty number/],
])("a damaged form is refused: %s", (_, compact, message) => {
  expect(() => expandRsaKey(compact)).toThrow(message);
});

test("an EC key has no compact RSA form", () => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  expect(() => compactRsaKey(privateKey)).toThrow(/ec key is not an RSA key/);
});

describe("multi-prime keys (three primes, as openssl genpkey -pkeyopt rsa_keygen_primes:3 makes)", () => {
  // Made by OpenSSL, independent of our code; Node's JWK export would drop the third prime without a word.
  const multiPrime = createPrivateKey(
    execFileSync("openssl", [
      "genpkey",
      "-algorithm",
      "RSA",
      "-pkeyopt",
      "rsa_keygen_bits:2048",
      "-pkeyopt",
      "rsa_keygen_primes:3",
    ]),
  );

  test("are counted as such, and two-prime keys as two", () => {
    expect(rsaPrimeCount(multiPrime)).toBe(3);
    expect(rsaPrimeCount(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey)).toBe(2);
  });

  test("have no compact form: refused, never silently damaged", () => {
    expect(() => compactRsaKey(multiPrime)).toThrow(/the key has 3 primes; only two-prime keys/);
  });
});

/**
 * The PFX reader against files OpenSSL wrote (AES/PBES2, 3DES, RC2 with -legacy) and files we wrote (both
 * profiles): the key and certificates come back byte for byte; a wrong password, a file without key and
 * garbage are each told apart.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readPfx, PfxError } from "../../provider/pki/pfx-read";
import { buildPfx, PFX_PROFILES } from "../../provider/pki/pkcs12";
import { pemToDer } from "../../provider/pki/x509";

const PASSWORD = "pässword 1"; // non-ASCII: BMPString for the PKCS#12 KDF, UTF-8 for PBKDF2
let dir: string;
let certPem: string;
let keyPem: string;
const files: Record<string, Buffer> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xpc-pfx-"));
  /** `openssl` with a command line of space-separated words; `extra` words may contain spaces. */
  const run = (words: string, ...extra: string[]) =>
    execFileSync("openssl", [...words.split(" "), ...extra], { cwd: dir, stdio: "pipe" });
  run("req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -subj /CN=t -days 5");
  run("req -x509 -newkey rsa:2048 -nodes -keyout ca-k.pem -out ca.pem -subj /CN=ca -days 5");
  const pass = `pass:${PASSWORD}`;
  const exp = (out: string, options = "") =>
    run(`pkcs12 -export -in c.pem -inkey k.pem -certfile ca.pem -out ${out} ${options}-passout`, pass);
  exp("aes.pfx");
  exp("3des.pfx", "-keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 ");
  exp("rc2.pfx", "-legacy ");
  run("pkcs12 -export -nokeys -in c.pem -out nokey.pfx -passout", pass);
  for (const f of ["aes", "3des", "rc2", "nokey"]) files[f] = readFileSync(join(dir, `${f}.pfx`));
  certPem = readFileSync(join(dir, "c.pem"), "utf8");
  keyPem = readFileSync(join(dir, "k.pem"), "utf8");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keyDer = () => createPrivateKey(keyPem).export({ type: "pkcs8", format: "der" });

test.each(["aes", "3des", "rc2"])("OpenSSL's %s PFX: key, certificate and chain byte for byte", (name) => {
  const c = readPfx(files[name], PASSWORD);
  expect(c.certificateDer).toEqual(pemToDer(certPem));
  expect(c.privateKeyDer).toEqual(keyDer());
  expect(c.otherCertificatesDer.map((d) => new X509Certificate(d).subject)).toEqual(["CN=ca"]);
});

test.each(PFX_PROFILES)("our own %s PFX reads back", (profile) => {
  const pfx = buildPfx({
    privateKeyDer: keyDer(),
    certificateDer: pemToDer(certPem),
    chainDer: [],
    password: PASSWORD,
    profile,
    friendlyName: "VMS SSL Certificate",
    randomBytes,
  });
  const c = readPfx(pfx, PASSWORD);
  expect(c.certificateDer).toEqual(pemToDer(certPem));
  expect(c.privateKeyDer).toEqual(keyDer());
});

const problemOf = (pfx: Buffer, password: string) => {
  try {
    readPfx(pfx, password);
    return "none";
  } catch (e) {
    expect(e).toBeInstanceOf(PfxError);
    return `${(e as PfxError).problem}: ${(e as Error).message}`;
  }
};

test.each<[string, () => Buffer, string, RegExp]>([
  ["a wrong password", () => files.aes, "wrong", /^wrong-password: the password is wrong/],
  ["a wrong password (3DES, SHA-1 MAC)", () => files["3des"], "", /^wrong-password/],
  ["no key", () => files.nokey, PASSWORD, /^no-key: holds no private key/],
  ["garbage", () => Buffer.from("hello world"), PASSWORD, /^not-pfx: not a PKCS#12/],
  ["a truncated file", () => files.aes.subarray(0, 200), PASSWORD, /^not-pfx/],
])("refused, saying why: %s", (_, pfx, password, expected) => {
  expect(problemOf(pfx(), password)).toMatch(expected);
});

test("a key that matches none of the certificates", () => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pfx = buildPfx({
    privateKeyDer: privateKey.export({ type: "pkcs8", format: "der" }),
    certificateDer: pemToDer(certPem),
    chainDer: [],
    password: PASSWORD,
    profile: "legacy-3des",
    friendlyName: "x",
    randomBytes,
  });
  expect(problemOf(pfx, PASSWORD)).toMatch(/^key-mismatch/);
});

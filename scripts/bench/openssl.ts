/**
 * The same certificates made as an administrator's script would with the OpenSSL command line, one certificate
 * after the other: genrsa 2048, req (CSR), x509 -req signed by the CA with an extfile carrying our extensions,
 * pkcs12 -export. The CA is made once, untimed, with the same size and validity as the provider's.
 *
 * PKCS#12: OpenSSL 3's `-legacy` is 3DES for the key but RC2-40 for the certificates, which is not our default
 * profile; legacy-3des is pbeWithSHAAnd3-KeyTripleDES-CBC for both and an HMAC-SHA1 MAC, 2048 iterations, which
 * is `-keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -iter 2048`.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { BenchServer } from "./site-spec";
import { Progress, timed } from "./timer";

const run = promisify(execFile);

/** Server certificates' validity and the friendly name, as the provider's defaults. */
const SERVER_VALIDITY_DAYS = 730;
const FRIENDLY_NAME = "VMS SSL Certificate";
export const PKCS12_ARGS = ["-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1"];
export const PKCS12_ITER = "2048";

export interface OpensslBenchRequest {
  servers: BenchServer[];
  /** Certificates actually made (the first K servers); the time is scaled to all servers when fewer. */
  measuredN: number;
  /** RSA size and validity of the CA made once beforehand. */
  caRsaBits: number;
  caValidityDays: number;
  /** An empty folder for the files. */
  dir: string;
  progress: Progress;
}

export interface OpensslFigures {
  /** Time for all the servers (scaled from measuredN when smaller). */
  opensslMs: number;
  /** Certificates actually made. */
  opensslMeasuredN: number;
  /** True when opensslMs was scaled from fewer certificates. */
  opensslScaled: boolean;
}

export const opensslVersion = async (): Promise<string> =>
  (await run("openssl", ["version"], { encoding: "utf8" })).stdout.trim();

export async function measureOpenssl(req: OpensslBenchRequest): Promise<OpensslFigures> {
  const openssl = (args: string[]) => run("openssl", args, { cwd: req.dir, encoding: "utf8" });
  await makeCa(req, openssl);
  const subset = req.servers.slice(0, req.measuredN);
  const every = Math.max(1, Math.round(subset.length / 10));
  const { ms } = await timed(async () => {
    for (let i = 0; i < subset.length; i++) {
      await issueOne(subset[i], req.dir, openssl);
      if ((i + 1) % every === 0 || i + 1 === subset.length) {
        req.progress(`openssl ${i + 1}/${subset.length}...`);
      }
    }
  });
  const scaled = subset.length < req.servers.length;
  return {
    opensslMs: scaled ? (ms * req.servers.length) / subset.length : ms,
    opensslMeasuredN: subset.length,
    opensslScaled: scaled,
  };
}

type OpenSsl = (args: string[]) => Promise<unknown>;

async function makeCa(req: OpensslBenchRequest, openssl: OpenSsl): Promise<void> {
  writeFileSync(
    join(req.dir, "ca.cnf"),
    [
      "[req]",
      "distinguished_name = dn",
      "x509_extensions = v3_ca",
      "prompt = no",
      "[dn]",
      "CN = VMS Certificate Authority",
      "[v3_ca]",
      "basicConstraints = critical, CA:TRUE, pathlen:0",
      "keyUsage = critical, keyCertSign, cRLSign, digitalSignature",
      "subjectKeyIdentifier = hash",
      "",
    ].join("\n"),
  );
  writeFileSync(join(req.dir, "req.cnf"), "[req]\ndistinguished_name = dn\n[dn]\n");
  await openssl([
    "req",
    "-x509",
    "-config",
    "ca.cnf",
    "-newkey",
    `rsa:${req.caRsaBits}`,
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    String(req.caValidityDays),
    "-sha256",
  ]);
}

/** The extfile of one server certificate: the extensions the provider writes. */
export function extfileOf(s: BenchServer): string {
  const san = [...s.dnsNames.map((d) => `DNS:${d}`), ...s.ipAddresses.map((ip) => `IP:${ip}`)].join(", ");
  return [
    "basicConstraints = critical, CA:FALSE",
    "keyUsage = critical, digitalSignature, keyEncipherment",
    "extendedKeyUsage = critical, serverAuth",
    `subjectAltName = ${san}`,
    "subjectKeyIdentifier = hash",
    "authorityKeyIdentifier = keyid",
    "",
  ].join("\n");
}

async function issueOne(s: BenchServer, dir: string, openssl: OpenSsl): Promise<void> {
  const f = (ext: string) => `${s.name}.${ext}`;
  writeFileSync(join(dir, f("ext")), extfileOf(s));
  await openssl(["genrsa", "-out", f("key"), "2048"]);
  await openssl([
    "req",
    "-new",
    "-config",
    "req.cnf",
    "-key",
    f("key"),
    "-subj",
    `/CN=${s.dnsNames[0]}`,
    "-out",
    f("csr"),
  ]);
  await openssl([
    "x509",
    "-req",
    "-in",
    f("csr"),
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-set_serial",
    "0x" + randomSerialHex(),
    "-days",
    String(SERVER_VALIDITY_DAYS),
    "-sha256",
    "-extfile",
    f("ext"),
    "-out",
    f("crt"),
  ]);
  await openssl([
    "pkcs12",
    "-export",
    "-inkey",
    f("key"),
    "-in",
    f("crt"),
    "-certfile",
    "ca.pem",
    "-name",
    FRIENDLY_NAME,
    ...PKCS12_ARGS,
    "-iter",
    PKCS12_ITER,
    "-passout",
    `pass:${randomBytes(18).toString("base64url")}`,
    "-out",
    f("pfx"),
  ]);
}

/** 16 random bytes, positive (top bit clear), as the provider's serials. */
const randomSerialHex = (): string => {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString("hex");
};

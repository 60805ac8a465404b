/**
 * An enterprise CA as AD CS sets one up, made with OpenSSL: an offline root, an issuing CA under it, and
 * `openssl ca` signing requests like AD CS's WebServer template (names and key usages taken from the request,
 * serverAuth, not a CA). Each signing can override the template's extensions or dates, for the refusal cases.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface EnterpriseCa {
  rootPem: string;
  issuingPem: string;
  /** Signs a PKCS#10 request (PEM); returns the leaf PEM. */
  sign(csrPem: string, opts?: SignOptions): string;
  /** A request for other names or another key, made by OpenSSL (PEM). */
  foreignRequest(names: string[]): string;
  cleanup(): void;
}

export interface SignOptions {
  /** Extension lines replacing the WebServer-like defaults (e.g. "extendedKeyUsage = clientAuth"). */
  extensions?: string[];
  /** openssl ca -startdate / -enddate (YYYYMMDDHHMMSSZ). */
  startDate?: string;
  endDate?: string;
  days?: number;
  /** Take no extension from the request (default: those the template does not set, as AD CS takes the SANs). */
  ignoreRequestExtensions?: boolean;
}

function run(dir: string, args: string[]): string {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** The WebServer-like template: names and usages from the request (copy_extensions), serverAuth, CA:FALSE. */
const WEB_SERVER = [
  "basicConstraints = critical, CA:FALSE",
  "keyUsage = critical, digitalSignature, keyEncipherment",
  "extendedKeyUsage = serverAuth",
  "subjectKeyIdentifier = hash",
  "authorityKeyIdentifier = keyid",
];

export function makeEnterpriseCa(name = "Corp"): EnterpriseCa {
  const dir = mkdtempSync(join(tmpdir(), "xpc-adcs-"));
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "1000\n");
  const caExt = [
    "[ req ]",
    "distinguished_name = dn",
    "[ dn ]",
    "[ root ]",
    "basicConstraints = critical, CA:TRUE",
    "keyUsage = critical, keyCertSign, cRLSign",
    "subjectKeyIdentifier = hash",
    "[ issuing ]",
    "basicConstraints = critical, CA:TRUE, pathlen:0",
    "keyUsage = critical, keyCertSign, cRLSign, digitalSignature",
    "subjectKeyIdentifier = hash",
    "authorityKeyIdentifier = keyid",
  ].join("\n");
  writeFileSync(join(dir, "ca-ext.cnf"), caExt);
  run(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "root.key",
    "-out",
    "root.pem",
    "-subj",
    `/DC=com/DC=example/CN=${name} Root CA`,
    "-days",
    "7300",
    "-config",
    "ca-ext.cnf",
    "-extensions",
    "root",
    "-set_serial",
    "1",
  ]);
  run(dir, [
    "req",
    "-new",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "issuing.key",
    "-out",
    "issuing.csr",
    "-subj",
    `/DC=com/DC=example/CN=${name} Issuing CA 01`,
    "-config",
    "ca-ext.cnf",
  ]);
  run(dir, [
    "x509",
    "-req",
    "-in",
    "issuing.csr",
    "-CA",
    "root.pem",
    "-CAkey",
    "root.key",
    "-set_serial",
    "2",
    "-days",
    "3650",
    "-extfile",
    "ca-ext.cnf",
    "-extensions",
    "issuing",
    "-out",
    "issuing.pem",
  ]);
  let n = 0;
  return {
    rootPem: readFileSync(join(dir, "root.pem"), "utf8"),
    issuingPem: readFileSync(join(dir, "issuing.pem"), "utf8"),
    sign(csrPem, opts = {}) {
      n++;
      const config = [
        "[ ca ]",
        "default_ca = adcs",
        "[ adcs ]",
        `dir = ${dir}`,
        "database = $dir/index.txt",
        "serial = $dir/serial",
        "new_certs_dir = $dir",
        "certificate = $dir/issuing.pem",
        "private_key = $dir/issuing.key",
        "default_md = sha256",
        "policy = any",
        `copy_extensions = ${opts.ignoreRequestExtensions ? "none" : "copy"}`,
        "unique_subject = no",
        "email_in_dn = no",
        "[ any ]",
        "commonName = supplied",
        "[ web ]",
        ...(opts.extensions ?? WEB_SERVER),
      ].join("\n");
      writeFileSync(join(dir, `ca${n}.cnf`), config);
      writeFileSync(join(dir, `req${n}.csr`), csrPem);
      const dates = [
        ...(opts.startDate ? ["-startdate", opts.startDate] : []),
        ...(opts.endDate ? ["-enddate", opts.endDate] : ["-days", String(opts.days ?? 365)]),
      ];
      run(dir, [
        "ca",
        "-batch",
        "-notext",
        "-config",
        `ca${n}.cnf`,
        "-extensions",
        "web",
        "-in",
        `req${n}.csr`,
        "-out",
        `leaf${n}.pem`,
        ...dates,
      ]);
      return readFileSync(join(dir, `leaf${n}.pem`), "utf8");
    },
    foreignRequest(names) {
      n++;
      return run(dir, [
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        `foreign${n}.key`,
        "-subj",
        `/CN=${names[0]}`,
        "-addext",
        `subjectAltName=${names.map((d) => `DNS:${d}`).join(",")}`,
        "-config",
        "ca-ext.cnf",
      ]);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

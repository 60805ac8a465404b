/**
 * The benchmark's site and the issuance it measures without the engine: the N servers every measurement issues,
 * timing and the provider's key log, the key-generation floor, provider-level issuance (check + create, then a
 * no-op check + diff) and the OpenSSL-script baseline.
 */
import * as pulumi from "@pulumi/pulumi";
import { execFile } from "node:child_process";
import { generateKeyPair, KeyObject, randomBytes, X509Certificate } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { DAY_MS } from "../../provider/pki/limits";
import { CaCertificate } from "../../provider/ca/resource";
import { ServerCertificate } from "../../provider/server/resource";
import { providers } from "../../provider/runtime";

/*
 * The benchmark's site: N servers, one management server and the rest recording servers, each with a host name,
 * a short name and an IPv4 address. Every measurement (provider, OpenSSL, engine) issues these same certificates.
 */
export interface BenchServer {
  /** Server (resource) name, e.g. rec0007. */
  name: string;
  role: "managementServer" | "recordingServer";
  /** The FQDN, also the first DNS name (the subject CN). */
  hostname: string;
  dnsNames: string[];
  ipAddresses: string[];
}

export const BENCH_DOMAIN = "vms.bench.local";

/** The N servers: index 0 is the management server. */
export function benchServers(n: number): BenchServer[] {
  const width = Math.max(4, String(n).length);
  return Array.from({ length: n }, (_, i) => {
    const name = i === 0 ? "mgmt" : `rec${String(i).padStart(width, "0")}`;
    const hostname = `${name}.${BENCH_DOMAIN}`;
    return {
      name,
      role: i === 0 ? "managementServer" : "recordingServer",
      hostname,
      dnsNames: [hostname, name],
      ipAddresses: [ipv4Of(i + 1)],
    };
  });
}

/** 10.x.y.z for 1..2^24-2. */
const ipv4Of = (k: number): string => `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;

/** The `xprotect-certs:site` config value (see provider/site/config.ts) of these servers; the CA as defaulted. */
export function siteConfigOf(servers: BenchServer[]): Record<string, unknown> {
  return {
    servers: Object.fromEntries(
      servers.map((s) => [
        s.name,
        { role: s.role, hostname: s.hostname, dnsNames: s.dnsNames, ipAddresses: s.ipAddresses },
      ]),
    ),
  };
}

/** The same site with one more DNS name on its last server: a reissue of exactly that certificate. */
export function withOneServerRenamed(servers: BenchServer[]): BenchServer[] {
  const last = servers[servers.length - 1];
  const changed = { ...last, dnsNames: [...last.dnsNames, `alias-${last.name}.${BENCH_DOMAIN}`] };
  return [...servers.slice(0, -1), changed];
}

/* Wall-clock timing and progress lines (on stderr, so that stdout stays the table and the JSON). */
/** Runs fn and returns its result with the milliseconds it took. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

/** A progress line: `bench: <message>`. */
export type Progress = (message: string) => void;

export const stderrProgress: Progress = (message) => void process.stderr.write(`bench: ${message}\n`);

/*
 * Counts the keys the provider makes: with XPROTECT_CERTS_KEYLOG=<file> set, the provider runtime appends one
 * line per RSA key it generates (in this process, or in the engine's provider process).
 */
/** The provider's variable (provider/runtime/env.ts KEYLOG_VARIABLE). */
export const KEYLOG_VARIABLE = "XPROTECT_CERTS_KEYLOG";

/** Lines (keys) in the log so far; 0 when it does not exist yet. */
export const keysLogged = (file: string): number =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;

/** Runs fn with the key log variable set in this process (for the provider runtime loaded here). */
export async function withKeylog<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env[KEYLOG_VARIABLE];
  process.env[KEYLOG_VARIABLE] = file;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env[KEYLOG_VARIABLE];
    else process.env[KEYLOG_VARIABLE] = before;
  }
}

/*
 * The physical floor: N native RSA-2048 key pairs, all started at once, so that libuv's thread pool keeps every
 * core busy. Nothing else is done with the keys (no encoding).
 */
/** Bits of each key, as the servers' default (DEFAULT_SERVER_RSA_BITS). */
export const FLOOR_RSA_BITS = 2048;

const rsaKey = (bits: number): Promise<KeyObject> =>
  new Promise((resolve, reject) =>
    generateKeyPair("rsa", { modulusLength: bits, publicExponent: 0x10001 }, (err, _pub, priv) =>
      err ? reject(err) : resolve(priv),
    ),
  );

/** Milliseconds to make n keys in parallel. */
export async function measureKeyFloor(n: number): Promise<number> {
  const { ms } = await timed(() => Promise.all(Array.from({ length: n }, () => rsaKey(FLOOR_RSA_BITS))));
  return ms;
}

/*
 * The inputs the engine would hand the server provider, made by the resource classes themselves (under Pulumi's
 * mocks, in this process) rather than written here: whatever the classes pass (the CA's certificate and key, the
 * serialized provider, defaults) is what the benchmark issues with. The CA is made once by the real CA provider
 * (its check and create), untimed.
 */
type Props = Record<string, unknown>;

export interface CapturedInputs {
  /** The CA provider's outputs (the real CA). */
  caOutputs: Props;
  /** Per server, in order: the properties ServerCertificate registers (what check receives as news). */
  serverNews: Props[];
}

/** Fails with the provider's own failures when check refuses the inputs. */
export function assertChecked(what: string, failures: pulumi.dynamic.CheckFailure[] | undefined): void {
  if (failures && failures.length > 0) {
    const list = failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
    throw new Error(`bench: the ${what} provider's check refused the benchmark's inputs: ${list}`);
  }
}

/**
 * Mock state of a server certificate: none. The mocks run as a preview, so its outputs stay unknown and the
 * class's own callbacks on them do not run (its real outputs come from the timed create).
 */
const NO_STATE: Props = {};

export async function captureInputs(servers: BenchServer[]): Promise<CapturedInputs> {
  const news = new Map<string, Props>();
  let caOutputs: Props | undefined;
  let allRegistered: () => void = () => undefined;
  const registered = new Promise<void>((resolve) => (allRegistered = resolve));
  let failed: (e: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => (failed = reject));

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        try {
          const kind = args.type.split(":").pop();
          if (kind === "CaCertificate") {
            const checked = await providers.ca.check!({}, args.inputs);
            assertChecked("CA", checked.failures);
            const made = await providers.ca.create(checked.inputs);
            caOutputs = made.outs as Props;
            return { id: made.id, state: caOutputs };
          }
          news.set(args.name, args.inputs);
          if (news.size === servers.length) allRegistered();
          return { id: args.name, state: NO_STATE };
        } catch (e) {
          failed(e);
          throw e;
        }
      },
      call: () => ({}),
    },
    "xprotect-certs",
    "bench",
    true,
  );
  const ca = new CaCertificate("site-ca", {}, { protect: false });
  for (const s of servers) {
    new ServerCertificate(s.name, { ca, dnsNames: s.dnsNames, ipAddresses: s.ipAddresses });
  }
  await Promise.race([registered, failure]);
  if (!caOutputs) throw new Error("bench: the CA was not created before its servers registered");
  return { caOutputs, serverNews: servers.map((s) => news.get(s.name)!) };
}

/*
 * Provider-level issuance, no engine: `check` + `create` of N server certificates at once (as the engine's
 * provider process receives them, minus the engine), then `diff` of the N unchanged certificates.
 */

export interface ProviderFigures {
  /** check + create of the N certificates, all at once. */
  issueMs: number;
  /** Keys made by those creates (N expected). */
  issueKeys: number;
  /** check of the N unchanged inputs (untimed in the targets; what a no-op run also does). */
  noopCheckMs: number;
  /** diff of the N unchanged certificates (old outputs against the same inputs). */
  noopDiffMs: number;
  /** Keys made meanwhile (target 0). */
  noopKeys: number;
  /** Diffs that reported a change (0 expected). */
  noopChanged: number;
  /** The CA's RSA size, so that the OpenSSL script signs with a CA of the same size. */
  caRsaBits: number;
  /** The CA's validity, for the same reason. */
  caValidityDays: number;
}

export interface ProviderBenchRequest {
  servers: BenchServer[];
  /** File for XPROTECT_CERTS_KEYLOG (created by the provider when it makes a key). */
  keylog: string;
  progress: Progress;
}

export async function measureProvider(req: ProviderBenchRequest): Promise<ProviderFigures> {
  const server = providers.server;
  return withKeylog(req.keylog, async () => {
    req.progress("provider: making the CA and the inputs (untimed)");
    const { caOutputs, serverNews } = await captureInputs(req.servers);

    req.progress(`provider: check + create of ${req.servers.length} certificates`);
    const keys0 = keysLogged(req.keylog);
    const issue = await timed(() =>
      Promise.all(
        serverNews.map(async (news) => {
          const checked = await server.check!({}, news);
          assertChecked("server", checked.failures);
          const made = await server.create(checked.inputs);
          return { inputs: checked.inputs as Props, outs: made.outs as Props };
        }),
      ),
    );
    const keys1 = keysLogged(req.keylog);

    req.progress(`provider: check + diff of ${req.servers.length} unchanged certificates`);
    const check = await timed(() =>
      Promise.all(serverNews.map((news, i) => server.check!(issue.result[i].inputs, news))),
    );
    // The engine hands diff the old outputs, which carry the serialized provider too.
    const olds = issue.result.map((r, i) => ({ ...r.outs, __provider: serverNews[i].__provider }));
    const diff = await timed(() =>
      Promise.all(check.result.map((c, i) => server.diff!(String(i), olds[i], c.inputs))),
    );
    const keys2 = keysLogged(req.keylog);

    const ca = new X509Certificate(String(caOutputs.certificatePem));
    return {
      issueMs: issue.ms,
      issueKeys: keys1 - keys0,
      noopCheckMs: check.ms,
      noopDiffMs: diff.ms,
      noopKeys: keys2 - keys1,
      noopChanged: diff.result.filter((d) => d.changes !== false).length,
      caRsaBits: ca.publicKey.asymmetricKeyDetails?.modulusLength ?? 0,
      caValidityDays: Math.round((Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / DAY_MS),
    };
  });
}

/*
 * The same certificates made as an administrator's script would with the OpenSSL command line, one certificate
 * after the other: genrsa 2048, req (CSR), x509 -req signed by the CA with an extfile carrying our extensions,
 * pkcs12 -export. The CA is made once, untimed, with the same size and validity as the provider's.
 *
 * PKCS#12: OpenSSL 3's `-legacy` is 3DES for the key but RC2-40 for the certificates, which is not our default
 * profile; legacy-3des is pbeWithSHAAnd3-KeyTripleDES-CBC for both and an HMAC-SHA1 MAC, 2048 iterations, which
 * is `-keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -iter 2048`.
 */
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

/**
 * Pebble (the ACME test CA) and pebble-challtestsrv (the DNS server Pebble asks for the DNS-01 TXT records), started
 * by a test on free 127.0.0.1 ports and stopped after it. Binaries from scripts/engine/pebble-binary.ts (built once
 * into the cache). `hook` is an executable that the site's `acme.dns01.command` can name: it sets and clears the
 * TXT record through challtestsrv's management API, exactly with lego's exec arguments.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ensurePebble } from "../../scripts/engine/pebble-binary";

export interface Pebble {
  /** The ACME directory URL (HTTPS, certificate from Pebble's test CA: trust `minicaPem`). */
  directoryUrl: string;
  /** Pebble's management API (HTTPS): `/roots/0`, `/intermediates/0`. */
  managementUrl: string;
  /** challtestsrv's DNS server, host:port (a resolver for `acme.dns01.resolvers`). */
  dnsServer: string;
  /** challtestsrv's management API (HTTP). */
  challtestsrvUrl: string;
  /** Pebble's test CA (PEM file): NODE_EXTRA_CA_CERTS for anything that talks to Pebble. */
  minicaPem: string;
  /** An executable hook (`hook present|cleanup <fqdn.> <value>`) that sets the TXT record in challtestsrv. */
  hook: string;
  /** EAB key ids and their HMAC keys (base64url), when started with `eab: true`. */
  eab?: Record<string, string>;
  /** Pebble's log so far (stdout and stderr). */
  log(): string;
  /** How many certificates Pebble has issued ("Issued certificate serial" lines of its log). */
  issued(): number;
  /** The root that signs Pebble's chain now (PEM), from the management API. */
  rootPem(): Promise<string>;
  /** Stops Pebble only (challtestsrv keeps running): the CA becomes unreachable. */
  stopPebble(): Promise<void>;
  /** Stops both. */
  stop(): Promise<void>;
}

const EAB_KEYS = { "kid-1": "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W" };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  name: string,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, "127.0.0.1", () => {
        c.end();
        resolve(true);
      });
      c.on("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port} within 30 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

export async function startPebble(opts: { validityDays?: number; eab?: boolean } = {}): Promise<Pebble> {
  const bins = ensurePebble();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xpc-pebble-"));
  const [acmePort, mgmtPort, dnsPort, ctsPort, httpPort, tlsPort] = await Promise.all(
    Array.from({ length: 6 }, freePort),
  );
  const certs = path.join(bins.moduleDir, "test", "certs", "localhost");
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`,
      managementListenAddress: `127.0.0.1:${mgmtPort}`,
      certificate: path.join(certs, "cert.pem"),
      privateKey: path.join(certs, "key.pem"),
      httpPort,
      tlsPort,
      ocspResponderURL: "",
      externalAccountBindingRequired: opts.eab === true,
      ...(opts.eab ? { externalAccountMACKeys: EAB_KEYS } : {}),
      retryAfter: { authz: 1, order: 1 },
      keyAlgorithm: "rsa",
      profiles: {
        default: { description: "tests", validityPeriod: (opts.validityDays ?? 90) * 86_400 },
      },
    },
  };
  const configFile = path.join(dir, "pebble-config.json");
  fs.writeFileSync(configFile, JSON.stringify(config));

  let ctsOut = "";
  const cts = spawn(
    bins.challtestsrv,
    [
      "-dnsserver",
      `127.0.0.1:${dnsPort}`,
      "-management",
      `127.0.0.1:${ctsPort}`,
      "-http01",
      "",
      "-https01",
      "",
      "-tlsalpn01",
      "",
      "-doh",
      "",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  cts.stdout!.on("data", (b: Buffer) => (ctsOut += b.toString()));
  cts.stderr!.on("data", (b: Buffer) => (ctsOut += b.toString()));
  await waitForPort(ctsPort, cts, "pebble-challtestsrv", () => ctsOut);

  let pebbleOut = "";
  const pebble = spawn(bins.pebble, ["-config", configFile, "-dnsserver", `127.0.0.1:${dnsPort}`], {
    cwd: dir,
    // No authorization reuse (default: half are reused): every order asks the hook, as a real renewal may.
    env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  pebble.stdout!.on("data", (b: Buffer) => (pebbleOut += b.toString()));
  pebble.stderr!.on("data", (b: Buffer) => (pebbleOut += b.toString()));
  try {
    await waitForPort(acmePort, pebble, "pebble", () => pebbleOut);
  } catch (e) {
    await stopChild(cts);
    throw e;
  }

  // The hook: lego's exec arguments, the TXT record set and cleared through challtestsrv's API.
  const hook = path.join(dir, "acme-hook.sh");
  fs.writeFileSync(
    hook,
    [
      "#!/bin/sh",
      "set -eu",
      `echo "$@" >> "${path.join(dir, "hook.log")}"`,
      'case "$1" in',
      `  present) curl -fsS -X POST -d "{\\"host\\":\\"$2\\",\\"value\\":\\"$3\\"}" http://127.0.0.1:${ctsPort}/set-txt ;;`,
      `  cleanup) curl -fsS -X POST -d "{\\"host\\":\\"$2\\"}" http://127.0.0.1:${ctsPort}/clear-txt ;;`,
      '  *) echo "unknown action $1" >&2; exit 2 ;;',
      "esac",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );

  const managementUrl = `https://127.0.0.1:${mgmtPort}`;
  const log = () => pebbleOut;
  return {
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    managementUrl,
    dnsServer: `127.0.0.1:${dnsPort}`,
    challtestsrvUrl: `http://127.0.0.1:${ctsPort}`,
    minicaPem: bins.minicaPem,
    hook,
    ...(opts.eab ? { eab: EAB_KEYS } : {}),
    log,
    issued: () => (log().match(/Issued certificate serial/g) ?? []).length,
    rootPem: () => fetchText(`${managementUrl}/roots/0`, fs.readFileSync(bins.minicaPem)),
    stopPebble: () => stopChild(pebble),
    stop: async () => {
      await stopChild(pebble);
      await stopChild(cts);
    },
  };
}

/** GET over HTTPS trusting only `ca`. */
async function fetchText(url: string, ca: Buffer): Promise<string> {
  const https = await import("node:https");
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode} ${body}`)),
        );
      })
      .on("error", reject);
  });
}

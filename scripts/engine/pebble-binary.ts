/**
 * Builds (once, into the cache beside the Pulumi CLI) Pebble and pebble-challtestsrv, the ACME test CA and the DNS
 * server it asks, from the Go module proxy at the version tools/pebble/go.mod pins. Only the tests use them: the
 * public issuer (provider/acme) is tested against Pebble because no public CA is reachable from CI.
 *
 * `node dist/scripts/engine/pebble-binary.js` (npm run ensure-pebble) builds them and prints where they are.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cacheDir } from "./pulumi-binary";

/** The Pebble version pinned by tools/pebble/go.mod. */
export const PEBBLE_VERSION = "2.10.3";
const MODULE = "github.com/letsencrypt/pebble/v2";

export interface PebbleBinaries {
  pebble: string;
  challtestsrv: string;
  /** The module's source folder in Go's module cache (test/certs: the HTTPS certificate and its test CA). */
  moduleDir: string;
  /** Pebble's test CA (test/certs/pebble.minica.pem): what a client trusts to reach Pebble's HTTPS API. */
  minicaPem: string;
}

const toolsDir = (): string => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "tools", "pebble");
    if (fs.existsSync(path.join(candidate, "go.mod"))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`tools/pebble/go.mod not found above ${__dirname}`);
  }
};

/** go.sum is complete: the checksum database is never needed, the module proxy is. */
const goEnv = () => ({ ...process.env, GOSUMDB: "off", GOFLAGS: "-buildvcs=false" });

function go(args: string[], what: string): string {
  const r = spawnSync("go", args, { cwd: toolsDir(), env: goEnv(), encoding: "utf8", timeout: 15 * 60_000 });
  if (r.error) {
    throw new Error(
      `${what}: go could not be run (${r.error.message}): install Go >= 1.24 (https://go.dev/dl/)`,
    );
  }
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr.slice(-4000)}`);
  return r.stdout.trim();
}

/** Builds the two commands into `<cache>/pebble-v<version>/bin` unless they are there; returns where they are. */
export function ensurePebble(
  log: (s: string) => void = (s) => process.stderr.write(s + "\n"),
): PebbleBinaries {
  const bin = path.join(cacheDir(), `pebble-v${PEBBLE_VERSION}`, "bin");
  const pebble = path.join(bin, "pebble");
  const challtestsrv = path.join(bin, "pebble-challtestsrv");
  if (!fs.existsSync(pebble) || !fs.existsSync(challtestsrv)) {
    log(`Building Pebble v${PEBBLE_VERSION} and pebble-challtestsrv (tools/pebble) into ${bin}`);
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    const tmp = fs.mkdtempSync(path.join(path.dirname(bin), "build-"));
    go(
      ["build", "-o", tmp + path.sep, `${MODULE}/cmd/pebble`, `${MODULE}/cmd/pebble-challtestsrv`],
      "go build",
    );
    fs.mkdirSync(bin, { recursive: true });
    // Renamed into place one by one: a concurrent build only ever replaces a whole binary with an equal one.
    for (const name of ["pebble", "pebble-challtestsrv"])
      fs.renameSync(path.join(tmp, name), path.join(bin, name));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const moduleDir = go(["list", "-m", "-f", "{{.Dir}}", MODULE], "go list");
  if (!moduleDir || !fs.existsSync(moduleDir)) {
    // The binaries were cached but the module cache was cleaned: download it again.
    go(["mod", "download", MODULE], "go mod download");
  }
  const dir = moduleDir || go(["list", "-m", "-f", "{{.Dir}}", MODULE], "go list");
  return {
    pebble,
    challtestsrv,
    moduleDir: dir,
    minicaPem: path.join(dir, "test", "certs", "pebble.minica.pem"),
  };
}

if (require.main === module) {
  const b = ensurePebble();
  process.stdout.write(
    `pebble: ${b.pebble}\npebble-challtestsrv: ${b.challtestsrv}\ntest CA: ${b.minicaPem}\n`,
  );
}

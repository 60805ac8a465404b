/**
 * The default of `npm run up`: PULUMI_SKIP_CHECKPOINTS, the state written once at the end of an operation.
 * - Killed with SIGKILL part-way: the state is as before the up (no half-made certificate, no pending
 *   operation), only the lock is left; `pulumi cancel` then `up` converges.
 * - An up that fails part-way still saves what succeeded: one server's reissue succeeds (its key is reused),
 *   another's fails; the first is kept, the second is untouched, and nothing is pending.
 */
import { execFile, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { siteProgram } from "../../stacks";
import { repoRoot } from "../../scripts/engine/workspace";
import { tempSite, TempSite, TEST_PASSPHRASE } from "../engine/harness";
import { alive, killTree } from "../helpers/kill-tree";

jest.setTimeout(10 * 60 * 1000);

const STACK = "fast";
const names = ["mgmt01", ...Array.from({ length: 24 }, (_, i) => `rec${String(i + 1).padStart(2, "0")}`)];
const SERVER = "pulumi-nodejs:dynamic/xprotect-certs:ServerCertificate";

function siteConfig(over: Record<string, Record<string, unknown>> = {}) {
  const servers: Record<string, Record<string, unknown>> = {};
  for (const name of names) {
    servers[name] = {
      role: name === "mgmt01" ? "managementServer" : "recordingServer",
      hostname: `${name}.vms.example.local`,
      ...over[name],
    };
  }
  return { ca: { commonName: "Fast Path CA", rsaBits: 2048 }, defaults: { rsaBits: 2048 }, servers };
}

let site: TempSite;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "xpc-fast-"));
  mkdirSync(join(dir, "not-a-file"));
  site = await tempSite({ stackName: STACK, program: siteProgram });
  await site.setConfig({ "xprotect-certs:site": { value: JSON.stringify(siteConfig()) } });
});
afterAll(async () => {
  await site?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** `npm run <args>` for this stack, in a process of its own, with npm run up's defaults (no checkpoint setting). */
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    ...(site.stack.workspace.envVars as Record<string, string>),
    PULUMI_BACKEND_URL: pathToFileURL(site.backendDir).href,
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    XPROTECT_CERTS_WORKDIR: site.workDir,
    ...extra,
  };
  delete e.PULUMI_SKIP_CHECKPOINTS; // npm run up sets it
  return e;
};
const CLI = () => join(repoRoot(), "dist", "scripts", "engine", "cli.js");
const run = (args: string[], extra: Record<string, string> = {}): Promise<{ code: number; output: string }> =>
  new Promise((resolve) =>
    execFile(
      process.execPath,
      [CLI(), ...args],
      { env: env(extra), maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === "number" ? err.code : 1) : 0,
          output: `${stdout}${stderr}`,
        }),
    ),
  );

const state = async () => {
  const d = (await site.exportState({ showSecrets: true })).deployment as {
    resources?: Array<{ urn: string; type: string; outputs?: Record<string, string> }>;
    pending_operations?: unknown[];
  };
  const certificates = Object.fromEntries(
    (d.resources ?? [])
      .filter((r) => r.type === SERVER)
      .map((r) => [
        r.urn
          .split("::")
          .pop()!
          .replace(/^site-/, ""),
        r.outputs!,
      ]),
  );
  return { certificates, pending: d.pending_operations ?? [] };
};

test("1. killed part-way: nothing half-made is in the state; cancel, then up converges", async () => {
  const child = spawn(process.execPath, [CLI(), "up", "--stack", STACK], {
    env: env(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      if ((output.match(/ServerCertificate +\S+ +created/g) ?? []).length >= 4) resolve();
    };
    child.stdout!.on("data", watch);
    child.stderr!.on("data", watch);
    child.once("exit", (code) =>
      reject(new Error(`up ended (code ${code}) before it was killed:\n${output}`)),
    );
  });
  const killed = await killTree(child);
  expect(killed.filter(alive)).toEqual([]);

  const after = await state();
  expect(Object.keys(after.certificates)).toEqual([]);
  expect(after.pending).toEqual([]);
  const locks = join(site.backendDir, ".pulumi", "locks");
  expect(
    existsSync(locks) && readdirSync(locks, { recursive: true }).some((f) => String(f).endsWith(".json")),
  ).toBe(true);

  expect((await run(["pulumi", "cancel", "--yes", "--stack", STACK])).code).toBe(0);
  const up = await run(["up", "--stack", STACK]);
  expect({ code: up.code, tail: up.output.slice(-1500) }).toEqual({ code: 0, tail: expect.any(String) });
  const again = await run(["up", "--expect-no-changes", "--stack", STACK]);
  expect({ code: again.code, tail: again.output.slice(-1500) }).toEqual({
    code: 0,
    tail: expect.any(String),
  });

  const done = await state();
  expect(Object.keys(done.certificates).sort()).toEqual([...names].sort());
  expect(done.pending).toEqual([]);
  const o = (await site.outputs()) as { caCertificatePem: string };
  const ca = new X509Certificate(o.caCertificatePem);
  for (const name of names) {
    const leaf = new X509Certificate(done.certificates[name].certificatePem);
    expect({ name, verifies: leaf.verify(ca.publicKey) }).toEqual({ name, verifies: true });
  }
});

test("2. an up that fails part-way saves what succeeded and leaves the rest as it was", async () => {
  const before = (await state()).certificates;
  await site.setConfig({
    "xprotect-certs:site": {
      value: JSON.stringify(
        siteConfig({ rec01: { generation: 1, keyRotation: "never" }, rec02: { generation: 1 } }),
      ),
    },
  });
  // The key log is a folder: making a key fails (rec02); reusing one (rec01, keyRotation never) does not.
  const failed = await run(["up", "--stack", STACK], { XPROTECT_CERTS_KEYLOG: join(dir, "not-a-file") });
  expect(failed.code).not.toBe(0);
  expect(failed.output).toMatch(/rec02[\s\S]*issuing failed: EISDIR/);
  const after = await state();
  expect(after.pending).toEqual([]);
  expect(after.certificates.rec01.thumbprint).not.toBe(before.rec01.thumbprint);
  expect(after.certificates.rec01.generation).toBe(1);
  expect(after.certificates.rec02).toEqual(before.rec02);
  const changed = names.filter((n) => after.certificates[n].thumbprint !== before[n].thumbprint);
  expect(changed).toEqual(["rec01"]);
});

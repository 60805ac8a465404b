/**
 * An `up` killed part-way, on the real engine, with Pulumi's per-step checkpoints (what a plain `pulumi up`
 * does; `PULUMI_SKIP_CHECKPOINTS=false` with npm run up), and the recovery the README documents ("When something
 * goes wrong"): a site of 41 servers is created by `node dist/scripts/engine/cli.js up` in a process of its own; once
 * some certificates exist, the whole process tree (the CLI, the Pulumi engine, the dynamic-provider plugin) gets
 * SIGKILL. Then: the stale lock is removed (`npm run pulumi -- cancel`), the creates left pending are cleared
 * (`npm run refresh -- --clear-pending-creates`), and `npm run up` converges: every certificate valid, one per
 * server, no duplicate, no pending operation, no key material in plain text.
 *
 * Then a failure on the real engine: key generation fails in the provider process during a reissue; the up
 * fails, the certificate and PFX in the state stay as they were, and the next up succeeds.
 */
import { execFile, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { siteProgram } from "../../stacks";
import { repoRoot } from "../../scripts/engine/workspace";
import { tempSite, TempSite, TEST_PASSPHRASE } from "../engine/harness";
import { alive, killTree } from "../helpers/kill-tree";
import { openssl } from "../helpers/openssl";

const STACK = "recover";
const RECORDERS = 40;
/** Kill the up once this many server certificates are created (of 41). */
const KILL_AFTER = 6;
const TYPE = (t: string) => `pulumi-nodejs:dynamic/xprotect-certs:${t}`;

const serverNames = [
  "mgmt01",
  ...Array.from({ length: RECORDERS }, (_, i) => `rec${String(i + 1).padStart(2, "0")}`),
];

/** 40 recording servers and a management server: enough that creating them takes several seconds. */
function siteConfig(
  over: (s: { servers: Record<string, Record<string, unknown>> }) => void = () => undefined,
) {
  const servers: Record<string, Record<string, unknown>> = {
    mgmt01: { role: "managementServer", hostname: "mgmt01.vms.example.local" },
  };
  for (const name of serverNames.slice(1)) {
    const n = Number(name.slice(3));
    servers[name] = {
      role: "recordingServer",
      hostname: `${name}.vms.example.local`,
      ipAddresses: [`10.0.1.${n}`],
    };
  }
  const site = {
    ca: { commonName: "Recovery Test CA", rsaBits: 2048 },
    defaults: { rsaBits: 2048 },
    servers,
  };
  over(site);
  return site;
}

let site: TempSite;
let keylogDir: string;
let keylog: string;
const stepTimes: string[] = [];

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    stepTimes.push(`${name} ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
}

/** The environment `npm run <command>` would have for this stack (backend, passphrase, work folder). */
const cliEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  ...(site.stack.workspace.envVars as Record<string, string>),
  PULUMI_BACKEND_URL: pathToFileURL(site.backendDir).href,
  PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
  XPROTECT_CERTS_WORKDIR: site.workDir,
  // Pulumi's per-step checkpoints, as a plain `pulumi up` writes them (npm run up skips them by default:
  // tests/e2e/recovery-fast.test.ts).
  PULUMI_SKIP_CHECKPOINTS: "false",
  ...extra,
});
const CLI = () => join(repoRoot(), "dist", "scripts", "engine", "cli.js");

/** `npm run <args>` as a user types it (node dist/scripts/engine/cli.js ...), in a process of its own. */
const npmRun = (
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ code: number; output: string }> =>
  new Promise((resolve) =>
    execFile(
      process.execPath,
      [CLI(), ...args],
      { env: cliEnv(extra), maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === "number" ? err.code : 1) : 0,
          output: `${stdout}${stderr}`,
        }),
    ),
  );

interface StateResource {
  urn: string;
  type: string;
  outputs?: Record<string, unknown>;
}
/** The state as stored, secrets decrypted (ciphertexts change with every save; the values must not). */
const exported = async () => {
  const d = (await site.exportState({ showSecrets: true })).deployment as {
    resources?: StateResource[];
    pending_operations?: Array<{ type: string; resource: { urn: string } }>;
  };
  return { resources: d.resources ?? [], pending: d.pending_operations ?? [] };
};
const ofType = (resources: StateResource[], t: string) => resources.filter((r) => r.type === TYPE(t));

beforeAll(
  async () => {
    keylogDir = mkdtempSync(join(tmpdir(), "xpc-recovery-"));
    keylog = join(keylogDir, "keys.log");
    mkdirSync(join(keylogDir, "not-a-file"));
    site = await tempSite({ stackName: STACK, program: siteProgram, env: { XPROTECT_CERTS_KEYLOG: keylog } });
    await site.setConfig({ "xprotect-certs:site": { value: JSON.stringify(siteConfig()) } });
  },
  10 * 60 * 1000,
);

afterAll(async () => {
  console.log(`recovery timings: ${stepTimes.join("; ")}`);
  await site?.cleanup();
  if (keylogDir) rmSync(keylogDir, { recursive: true, force: true });
});

let killedState: Awaited<ReturnType<typeof exported>>;

test("1. an up killed with SIGKILL part-way leaves a lock and creates pending in the state", async () => {
  const child = spawn(process.execPath, [CLI(), "up", "--stack", STACK], {
    env: cliEnv({ XPROTECT_CERTS_KEYLOG: keylog }),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const created = () => (output.match(/ServerCertificate +\S+ +created/g) ?? []).length;
  const killed = await step("up until killed", async () => {
    await new Promise<void>((resolve, reject) => {
      const watch = (chunk: Buffer) => {
        output += chunk.toString();
        if (created() >= KILL_AFTER) resolve();
      };
      child.stdout!.on("data", watch);
      child.stderr!.on("data", watch);
      child.once("exit", (code) =>
        reject(new Error(`up ended (code ${code}) before it was killed:\n${output}`)),
      );
    });
    return killTree(child);
  });
  expect(killed.length).toBeGreaterThanOrEqual(3); // the CLI, the engine, the provider plugin (and its shell)
  expect(killed.filter(alive)).toEqual([]);

  killedState = await exported();
  const certificates = ofType(killedState.resources, "ServerCertificate");
  console.log(
    `recovery: killed after ${created()} certificates were reported created; state: ${certificates.length} ` +
      `certificates, ${killedState.pending.length} pending operations (${[...new Set(killedState.pending.map((p) => p.type))].join(", ")})`,
  );
  // The engine prints "created" before its checkpoint is saved: the last ones reported may be missing.
  expect(certificates.length).toBeGreaterThan(0);
  expect(certificates.length).toBeLessThan(serverNames.length);
  expect(killedState.pending.length).toBeGreaterThan(0);
  expect(killedState.pending.every((p) => p.type === "creating")).toBe(true);
  const locks = join(site.backendDir, ".pulumi", "locks");
  expect(
    existsSync(locks) && readdirSync(locks, { recursive: true }).some((f) => String(f).endsWith(".json")),
  ).toBe(true);
});

test("2. without recovery, up refuses: the stack is locked, and the message names `pulumi cancel`", async () => {
  const r = await step("up on a locked stack", () => npmRun(["up", "--stack", STACK]));
  expect(r.code).not.toBe(0);
  expect(r.output).toMatch(/the stack is currently locked by 1 lock/);
  expect(r.output).toMatch(/pulumi cancel/);
});

test("3. the README's recovery: cancel, refresh --clear-pending-creates, up; then up is a no-op", async () => {
  const cancel = await step("cancel", () => npmRun(["pulumi", "cancel", "--yes", "--stack", STACK]));
  expect(cancel).toEqual({ code: 0, output: expect.stringMatching(/has been canceled/) });

  const refresh = await step("refresh --clear-pending-creates", () =>
    npmRun(["refresh", "--clear-pending-creates", "--stack", STACK]),
  );
  expect({ code: refresh.code, tail: refresh.output.slice(-2000) }).toEqual({
    code: 0,
    tail: expect.any(String),
  });
  const cleared = await exported();
  expect(cleared.pending).toEqual([]);
  // What had been created before the kill is kept, unchanged.
  const before = Object.fromEntries(
    ofType(killedState.resources, "ServerCertificate").map((r) => [r.urn, r.outputs]),
  );
  for (const r of ofType(cleared.resources, "ServerCertificate")) expect(r.outputs).toEqual(before[r.urn]);

  const up = await step("recovering up", () => npmRun(["up", "--stack", STACK]));
  expect({ code: up.code, tail: up.output.slice(-3000) }).toEqual({ code: 0, tail: expect.any(String) });
  expect(up.output).not.toMatch(/pending operations/);

  const again = await step("no-op up", () => npmRun(["up", "--expect-no-changes", "--stack", STACK]));
  expect({ code: again.code, tail: again.output.slice(-2000) }).toEqual({
    code: 0,
    tail: expect.any(String),
  });
  expect(again.output).toMatch(/\d+ unchanged/);
  expect(again.output).not.toMatch(/created|updated|deleted/);
});

test("4. converged: one certificate and binding per server, no duplicate, no pending operation, every certificate valid", async () => {
  const { resources, pending } = await exported();
  expect(pending).toEqual([]);
  const urns = resources.map((r) => r.urn);
  expect(new Set(urns).size).toBe(urns.length);
  const names = (t: string) =>
    ofType(resources, t)
      .map((r) => r.urn.split("::").pop())
      .sort();
  expect(names("CaCertificate")).toEqual(["site-ca"]);
  // The site's children are named <site>-<server>.
  const childNames = serverNames.map((n) => `site-${n}`).sort();
  expect(names("ServerCertificate")).toEqual(childNames);
  expect(names("CertificateBinding")).toEqual(childNames);

  const o = (await site.outputs()) as {
    caCertificatePem: string;
    servers: Record<string, { thumbprint: string; hostname: string; slots: Array<{ command: string }> }>;
    pfx: Record<string, string>;
    pfxPasswords: Record<string, string>;
  };
  const ca = new X509Certificate(o.caCertificatePem);
  expect(Object.keys(o.servers).sort()).toEqual([...serverNames].sort());
  const thumbprints = new Set<string>();
  for (const name of serverNames) {
    const opened = openssl(["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nokeys", "-clcerts"], {
      "s.pfx": Buffer.from(o.pfx[name], "base64"),
      pw: o.pfxPasswords[name],
    });
    expect({ name, status: opened.status }).toEqual({ name, status: 0 });
    const leaf = new X509Certificate(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(opened.stdout)![0],
    );
    expect({ name, issued: leaf.checkIssued(ca), verifies: leaf.verify(ca.publicKey) }).toEqual({
      name,
      issued: true,
      verifies: true,
    });
    expect(leaf.subject).toBe(`CN=${o.servers[name].hostname}`);
    expect(leaf.fingerprint.replace(/:/g, "")).toBe(o.servers[name].thumbprint);
    expect(o.servers[name].slots[0].command).toContain(`/thumbprint=${o.servers[name].thumbprint}`);
    thumbprints.add(o.servers[name].thumbprint);
  }
  expect(thumbprints.size).toBe(serverNames.length);

  // No key, PFX or password in plain text: in the export, nor in any file of the backend (backups included).
  const secrets = [...Object.values(o.pfx).map((p) => p.slice(200, 260)), ...Object.values(o.pfxPasswords)];
  const files: string[] = [];
  const walk = (d: string): void =>
    readdirSync(d).forEach((f) =>
      statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : files.push(join(d, f)),
    );
  walk(site.backendDir);
  for (const [where, text] of [
    ["export", JSON.stringify(await site.exportState())],
    ...files.map((f) => [f, readFileSync(f, "latin1")]),
  ]) {
    expect({ where, key: /PRIVATE KEY|rsa-pq1\./.test(text) }).toEqual({ where, key: false });
    expect({ where, leaked: secrets.filter((s) => text.includes(s)).length }).toEqual({ where, leaked: 0 });
  }
});

test("5. key generation failing in the provider during a reissue: up fails, the state keeps the old certificate and PFX, the next up reissues", async () => {
  /** Each server certificate's certificate, PFX and password as the state holds them. */
  const issued = async () =>
    Object.fromEntries(
      ofType((await exported()).resources, "ServerCertificate").map((r) => [
        r.urn
          .split("::")
          .pop()!
          .replace(/^site-/, ""),
        `${r.outputs!.thumbprint} ${r.outputs!.pfx} ${r.outputs!.pfxPassword}`,
      ]),
    );
  const before = await issued();
  await site.setConfig({
    "xprotect-certs:site": { value: JSON.stringify(siteConfig((s) => (s.servers.rec07.generation = 1))) },
  });
  // The key log is a folder: writing the line after each key fails, so every key generation throws.
  const broken = join(keylog, "..", "not-a-file");
  const failed = await step("up with failing key generation", () =>
    npmRun(["up", "--stack", STACK], { XPROTECT_CERTS_KEYLOG: broken }),
  );
  expect(failed.code).not.toBe(0);
  expect(failed.output).toMatch(
    /ServerCertificate \(site-rec07\):\s+error: issuing failed: EISDIR: illegal operation on a directory/,
  );
  const after = await issued();
  expect(after.rec07 === before.rec07).toBe(true);
  expect(Object.keys(after).filter((n) => after[n] !== before[n])).toEqual([]);
  expect((await exported()).pending).toEqual([]);

  const retried = await step("up after the failure", () =>
    npmRun(["up", "--stack", STACK], { XPROTECT_CERTS_KEYLOG: keylog }),
  );
  expect({ code: retried.code, tail: retried.output.slice(-2000) }).toEqual({
    code: 0,
    tail: expect.any(String),
  });
  const reissued = await issued();
  expect(Object.keys(reissued).filter((n) => reissued[n] !== before[n])).toEqual(["rec07"]);
  expect(reissued.rec07.split(" ")[0]).not.toBe(before.rec07.split(" ")[0]);
});

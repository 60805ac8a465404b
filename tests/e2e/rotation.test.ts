/**
 * Rotating the site's root CA on the real engine, in the three reviewed steps, with XPROTECT_CERTS_NOW moving the
 * clock: stage (one create, nothing reissued), switch (refused before minStageDays, then exactly the certificates
 * and bindings), retire (the old root leaves the state and the trusted roots; nothing reissued). At each step
 * every server's certificate verifies with OpenSSL against the roots listed as trusted, and a TLS client that
 * trusts only the roots of the previous step still completes a verified handshake with every server: no outage.
 */
import { execFile } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { siteProgram } from "../../stacks";
import { TEST_PASSPHRASE, tempSite, TempSite } from "../engine/harness";
import { openssl } from "../helpers/openssl";
import { handshakeAt } from "../helpers/tls-openssl";
import { FIXTURE_PASSWORD, makeFixtures } from "../helpers/vendor-fixtures";

jest.setTimeout(15 * 60 * 1000);
const DAY = 86_400_000;
const SERVERS = { mgmt01: "mgmt01.vms.example.local", rec01: "rec01.vms.example.local" };

interface Root {
  thumbprint: string;
  notAfter: string;
  certificatePem: string;
  certificateDer: string;
  status: "active" | "next" | "previous";
}
interface Outputs {
  caThumbprint: string;
  trustedCaCertificates: Root[];
  servers: Record<string, { thumbprint: string }>;
  pfx: Record<string, string>;
  pfxPasswords: Record<string, string>;
}

let site: TempSite;
let keylog: string;
let now = new Date();
const keysMade = () => readFileSync(keylog, "utf8").split("\n").filter(Boolean).length;

function setNow(d: Date): void {
  now = d;
  site.setEnv({ XPROTECT_CERTS_NOW: d.toISOString() });
  process.env.XPROTECT_CERTS_NOW = d.toISOString();
}

const siteConfig = (extra: Record<string, unknown>) => ({
  ca: { commonName: "Rotation Test CA", rsaBits: 2048, validityDays: 400 },
  servers: Object.fromEntries(
    Object.entries(SERVERS).map(([name, hostname]) => [
      name,
      { role: name.startsWith("mgmt") ? "managementServer" : "recordingServer", hostname },
    ]),
  ),
  ...extra,
});
const setSite = (s: Record<string, unknown>) =>
  site.setConfig({ "xprotect-certs:site": { value: JSON.stringify(s) } });

const NEXT = { commonName: "Rotation Test CA", rsaBits: 2048, validityDays: 400, generation: 1 };

/** Every server's certificate verifies (OpenSSL) against the roots the outputs list as trusted. */
function verifiesAgainstTrusted(o: Outputs, names: string[] = Object.keys(SERVERS)): void {
  const roots = o.trustedCaCertificates.map((r) => r.certificatePem).join("\n");
  for (const name of names) {
    const leaf = openssl(["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nokeys", "-clcerts"], {
      "s.pfx": Buffer.from(o.pfx[name], "base64"),
      pw: o.pfxPasswords[name],
    }).stdout;
    const verified = openssl(
      ["verify", "-attime", String(Math.floor(now.getTime() / 1000)), "-CAfile", "roots.pem", "leaf.pem"],
      { "roots.pem": roots, "leaf.pem": leaf.slice(leaf.indexOf("-----BEGIN CERTIFICATE-----")) },
    );
    expect({ name, out: verified.stdout.trim() }).toEqual({ name, out: "leaf.pem: OK" });
  }
}

/** The subject of a server's certificate, as OpenSSL reads it from the PFX. */
function subjectOf(o: Outputs, name: string): string {
  const leaf = openssl(["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nokeys", "-clcerts"], {
    "s.pfx": Buffer.from(o.pfx[name], "base64"),
    pw: o.pfxPasswords[name],
  }).stdout;
  return openssl(["x509", "-in", "leaf.pem", "-noout", "-subject"], {
    "leaf.pem": leaf.slice(leaf.indexOf("-----BEGIN")),
  }).stdout;
}

/** A client that trusts only `roots` completes a verified TLS handshake with every server (no outage). */
async function clientsConnect(o: Outputs, roots: Root[]): Promise<void> {
  for (const [name, servername] of Object.entries(SERVERS)) {
    const r = await handshakeAt({
      pfxBase64: o.pfx[name],
      password: o.pfxPasswords[name],
      rootsPem: roots.map((x) => x.certificatePem),
      servername,
      at: now,
    });
    expect({ name, ok: r.ok, output: r.ok ? "" : r.output }).toEqual({ name, ok: true, output: "" });
  }
}

/** `npm run bundle -- --all --clients` of the stack into a temp folder: each server's manifest roots and the kit's. */
async function bundledRoots(): Promise<{ manifests: Record<string, string[]>; clients: string[] }> {
  const out = mkdtempSync(join(tmpdir(), "xpc-rot-bundle-"));
  try {
    const env = {
      ...process.env,
      PULUMI_BACKEND_URL: pathToFileURL(site.backendDir).href,
      PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
      XPROTECT_CERTS_WORKDIR: site.workDir,
    };
    const cli = join(__dirname, "../../dist/scripts/bundle/cli.js");
    const args = [cli, "--stack", site.stackName, "--all", "--clients", "--out", join(out, "b")];
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, args, { env }, (e, _o, err) => (e ? reject(new Error(err)) : resolve())),
    );
    const manifests = Object.fromEntries(
      Object.keys(SERVERS).map((name) => {
        const m = JSON.parse(readFileSync(join(out, "b", name, `${name}.json`), "utf8")) as {
          trustedCaCertificates?: Array<{ thumbprint: string }>;
        };
        return [name, (m.trustedCaCertificates ?? []).map((r) => r.thumbprint).sort()];
      }),
    );
    const clients = readdirSync(join(out, "b", "clients"))
      .filter((f) => f.endsWith(".cer"))
      .map((f) => f.replace(/^ca-|\.cer$/g, ""))
      .sort();
    return { manifests, clients };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const thumbprints = (o: Outputs) =>
  Object.fromEntries(Object.entries(o.servers).map(([n, s]) => [n, s.thumbprint]));
const statuses = (o: Outputs) => o.trustedCaCertificates.map((r) => [r.thumbprint, r.status]);

beforeAll(async () => {
  keylog = join(mkdtempSync(join(tmpdir(), "xpc-keylog-")), "keys.log");
  appendFileSync(keylog, "");
  site = await tempSite({
    stackName: "rotation",
    program: siteProgram,
    env: { XPROTECT_CERTS_KEYLOG: keylog },
  });
  setNow(new Date());
});
afterAll(async () => {
  delete process.env.XPROTECT_CERTS_NOW;
  await site?.cleanup();
});

let before: Outputs;
let staged: Outputs;
let switched: Outputs;

test("before: one trusted root, active", async () => {
  await setSite(siteConfig({}));
  const r = await site.up();
  expect(r.changeSummary).toEqual({ create: 1 + 1 + 1 + 2 * 2 });
  before = r.outputs as unknown as Outputs;
  expect(statuses(before)).toEqual([[before.caThumbprint, "active"]]);
  verifiesAgainstTrusted(before);
});

test("stage: the next root is created, protected, and trusted; no server certificate changes", async () => {
  await setSite(siteConfig({ nextCa: NEXT }));
  const preview = await site.preview();
  expect(preview.changeSummary).toEqual({ create: 1, same: 7 });
  const keys = keysMade();
  const r = await site.up();
  expect(r.changeSummary).toEqual({ create: 1, same: 7 });
  expect(keysMade()).toBe(keys + 1); // the next root's key only
  staged = r.outputs as unknown as Outputs;
  expect(thumbprints(staged)).toEqual(thumbprints(before));
  expect(staged.caThumbprint).toBe(before.caThumbprint);
  const next = staged.trustedCaCertificates.find((x) => x.status === "next")!;
  expect(statuses(staged)).toEqual([
    [before.caThumbprint, "active"],
    [next.thumbprint, "next"],
  ]);
  const state = await site.exportState();
  const nextRoot = (state.deployment.resources ?? []).find((x: { urn: string }) =>
    x.urn.endsWith("::site-ca-g1"),
  );
  expect(nextRoot?.protect).toBe(true);
  verifiesAgainstTrusted(staged);
  await clientsConnect(staged, before.trustedCaCertificates);
  // The server bundles and the client trust kit carry both roots.
  const both = staged.trustedCaCertificates.map((x) => x.thumbprint).sort();
  const bundled = await bundledRoots();
  expect(bundled.clients).toEqual(both);
  for (const name of Object.keys(SERVERS)) expect(bundled.manifests[name]).toEqual(both);
});

test("switch too early: refused at preview, naming minStageDays and the date it becomes allowed", async () => {
  await setSite(siteConfig({ nextCa: NEXT, issueFrom: "nextCa" }));
  const r = await site.npmRun("preview");
  expect(r.code).not.toBe(0);
  expect(r.output).toMatch(
    /minStageDays: the switch to the next root [0-9A-F]{40} is allowed from \d{4}-\d\d-\d\dT.*minStageDays is 7/,
  );
});

test("switch after minStageDays: exactly the certificates and bindings reissued from the next root; both trusted", async () => {
  setNow(new Date(now.getTime() + 8 * DAY));
  const preview = await site.preview();
  expect(preview.changeSummary).toEqual({ update: 4, same: 4 });
  const keys = keysMade();
  const r = await site.up();
  expect(r.changeSummary).toEqual({ update: 4, same: 4 });
  expect(keysMade()).toBe(keys + 2); // one per server certificate
  switched = r.outputs as unknown as Outputs;
  const next = staged.trustedCaCertificates.find((x) => x.status === "next")!;
  expect(switched.caThumbprint).toBe(next.thumbprint);
  expect(statuses(switched)).toEqual([
    [next.thumbprint, "active"],
    [before.caThumbprint, "previous"],
  ]);
  for (const name of Object.keys(SERVERS))
    expect(switched.servers[name].thumbprint).not.toBe(before.servers[name].thumbprint);
  for (const name of Object.keys(SERVERS)) expect(subjectOf(switched, name)).toBe(subjectOf(before, name)); // subject kept
  verifiesAgainstTrusted(switched);
  await clientsConnect(switched, staged.trustedCaCertificates);
});

test("removing nextCa without moving its settings into ca is refused: the servers would go back to the old root", async () => {
  await setSite(siteConfig({}));
  const r = await site.npmRun("preview");
  expect(r.code).not.toBe(0);
  expect(r.output).toMatch(
    /would move from the root [0-9A-F]{40} \(generation 1\), which issues it now, back to/,
  );
});

test("retire: the old root leaves the trusted roots and the state; nothing is reissued", async () => {
  const retired = { ...siteConfig({}), ca: NEXT };
  await setSite(retired);
  // The old root is protected: the preview names it and the command that unprotects it.
  const blocked = await site.npmRun("preview");
  expect(blocked.code).not.toBe(0);
  const urn = /pulumi state unprotect '?(urn:pulumi:[^'\s]+::site-ca)'?/.exec(blocked.output)?.[1];
  expect(urn).toBeDefined();
  await site.cli(["state", "unprotect", urn!, "--yes", "--stack", site.stackName]);
  const keys = keysMade();
  const r = await site.up();
  expect(r.changeSummary).toEqual({ delete: 1, same: 7 });
  expect(keysMade()).toBe(keys);
  const after = r.outputs as unknown as Outputs;
  expect(thumbprints(after)).toEqual(thumbprints(switched));
  expect(statuses(after)).toEqual([[switched.caThumbprint, "active"]]);
  const state = await site.exportState();
  expect((state.deployment.resources ?? []).some((x: { urn: string }) => x.urn.endsWith("::site-ca"))).toBe(
    false,
  );
  verifiesAgainstTrusted(after);
  await clientsConnect(after, switched.trustedCaCertificates);
  const again = await site.up();
  expect(again.changeSummary).toEqual({ same: 7 });
});

describe("an adopted vendor CA rotates the same way", () => {
  let adoptedSite: TempSite;
  afterAll(async () => adoptedSite?.cleanup());

  test("stage, switch (minStageDays 0 on purpose), retire removing the adoption config", async () => {
    const fx = makeFixtures();
    delete process.env.XPROTECT_CERTS_NOW;
    adoptedSite = await tempSite({ stackName: "rotate-adopted", program: siteProgram });
    const servers = { rec01: { role: "recordingServer", hostname: "rec01.vms.example.local" } };
    const set = (s: Record<string, unknown>, adopt: boolean) =>
      adoptedSite.setConfig({
        "xprotect-certs:site": { value: JSON.stringify({ servers, ...s }) },
        ...(adopt
          ? {
              "xprotect-certs:caPfx": { value: fx.vendorCa.pfx3des, secret: true },
              "xprotect-certs:caPfxPassword": { value: FIXTURE_PASSWORD, secret: true },
            }
          : {}),
      });
    await set({}, true);
    const first = await adoptedSite.up();
    expect(first.outputs.caThumbprint).toBe(fx.vendorCa.thumbprint);

    const next = { commonName: "VMS Certificate Authority", rsaBits: 2048, generation: 1 };
    await set({ nextCa: next }, true);
    expect((await adoptedSite.up()).changeSummary).toEqual({ create: 1, same: 5 });

    await set({ nextCa: next, issueFrom: "nextCa", minStageDays: 0 }, true);
    const switched = (await adoptedSite.up()).outputs as unknown as Outputs;
    expect(statuses(switched)).toEqual([
      [switched.caThumbprint, "active"],
      [fx.vendorCa.thumbprint, "previous"],
    ]);
    now = new Date();
    verifiesAgainstTrusted({ ...switched, servers: { rec01: switched.servers.rec01 } } as Outputs, ["rec01"]);

    // Retire: next's settings into ca; the vendor CA's adoption config removed; the old root unprotected.
    await adoptedSite.cli(["config", "rm", "xprotect-certs:caPfx", "--stack", "rotate-adopted"]);
    await adoptedSite.cli(["config", "rm", "xprotect-certs:caPfxPassword", "--stack", "rotate-adopted"]);
    await set({ ca: next }, false);
    const oldRoot = (await adoptedSite.exportState()).deployment.resources!.find((x: { urn: string }) =>
      x.urn.endsWith("::site-ca"),
    )!;
    await adoptedSite.cli(["state", "unprotect", oldRoot.urn, "--yes", "--stack", "rotate-adopted"]);
    const retired = await adoptedSite.up();
    expect(retired.changeSummary).toEqual({ delete: 1, same: 5 });
    expect((retired.outputs as unknown as Outputs).servers.rec01.thumbprint).toBe(
      switched.servers.rec01.thumbprint,
    );
  });
});

describe("emergencies: the old cut-over is refused; stage and switch at once with minStageDays 0 instead", () => {
  let cutSite: TempSite;
  afterAll(async () => cutSite?.cleanup());

  test("a generation bump of the unprotected CA is refused at preview; the emergency rotation replaces the root in two ups", async () => {
    delete process.env.XPROTECT_CERTS_NOW;
    cutSite = await tempSite({ stackName: "cut-over", program: siteProgram });
    const servers = { rec01: { role: "recordingServer", hostname: "rec01.vms.example.local" } };
    const set = (s: Record<string, unknown>) =>
      cutSite.setConfig({
        "xprotect-certs:site": { value: JSON.stringify({ ca: { rsaBits: 2048 }, servers, ...s }) },
      });
    await set({});
    const first = (await cutSite.up()).outputs as unknown as Outputs;
    const ca = (await cutSite.exportState()).deployment.resources!.find((x: { urn: string }) =>
      x.urn.endsWith("::site-ca"),
    )!;

    // The old cut-over: the servers would move to a root made in the same run, which no client trusts yet.
    await cutSite.cli(["state", "unprotect", ca.urn, "--yes", "--stack", "cut-over"]);
    await set({ ca: { rsaBits: 2048, generation: 1 } });
    const refused = await cutSite.npmRun("preview");
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/that root is made in this run, so it has been staged for 0 days/);
    expect(refused.output).toMatch(/in an emergency .*stage and switch in one change with minStageDays: 0/);

    // The emergency path: stage and switch in one change, minStageDays 0 on purpose.
    const next = { rsaBits: 2048, generation: 1 };
    await set({ nextCa: next, issueFrom: "nextCa", minStageDays: 0 });
    const r = await cutSite.up();
    expect(r.changeSummary).toEqual({ create: 1, update: 2, same: 3 });
    const after = r.outputs as unknown as Outputs;
    expect(after.caThumbprint).not.toBe(first.caThumbprint);
    expect(after.servers.rec01.thumbprint).not.toBe(first.servers.rec01.thumbprint);
    expect(statuses(after)).toEqual([
      [after.caThumbprint, "active"],
      [first.caThumbprint, "previous"],
    ]);
    now = new Date();
    verifiesAgainstTrusted(after, ["rec01"]);

    // Retire at once, minStageDays removed with nextCa and issueFrom: the old root leaves; nothing is reissued.
    await set({ ca: next });
    await cutSite.cli(["state", "unprotect", ca.urn, "--yes", "--stack", "cut-over"]); // protected again by the up
    const retired = await cutSite.up();
    expect(retired.changeSummary).toEqual({ delete: 1, same: 5 });
    const done = retired.outputs as unknown as Outputs;
    expect(done.servers.rec01.thumbprint).toBe(after.servers.rec01.thumbprint);
    expect(statuses(done)).toEqual([[after.caThumbprint, "active"]]);
  });
});

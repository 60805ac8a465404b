/**
 * GitOps renewals on the real engine: a site with autoRenew: false, the clock moved so that two certificates (not
 * all) are due; `renewals --apply` bumps exactly those in the stack file, preview shows exactly them, and `up`
 * reissues only them.
 */
import { execFile } from "child_process";
import { readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { pathToFileURL } from "url";
import { parseDocument } from "yaml";
import { repoRoot } from "../../scripts/engine/workspace";
import { siteProgram } from "../../stacks";
import { TEST_PASSPHRASE, tempSite, TempSite } from "../engine/harness";

const DAY = 86_400_000;
const SERVERS = ["mgmt01", "rec01", "rec02", "failover01", "mobile01", "event01"];
const SHORT = ["event01", "rec01"];
const RESOURCES = 3 + SERVERS.length * 2; // the stack, XProtectSite, the CA, and per server 2

let site: TempSite;
let stackFile: string;

/** Runs the built renewals CLI on the site's stack, backend and work folder, as `npm run renewals` would. */
function renewals(args: string[], now?: Date): Promise<{ code: number; out: string; err: string }> {
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: pathToFileURL(site.backendDir).href,
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    XPROTECT_CERTS_WORKDIR: site.workDir,
    ...(now ? { XPROTECT_CERTS_NOW: now.toISOString() } : {}),
  };
  const cli = join(repoRoot(), "dist/scripts/renewals/cli.js");
  return new Promise((resolve) =>
    execFile(process.execPath, [cli, ...args], { env }, (e, out, err) =>
      resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, out, err }),
    ),
  );
}

type Outputs = {
  caThumbprint: string;
  servers: Record<string, { thumbprint: string; serialNumber: string; renewalDue: string }>;
};
const outputs = async () => (await site.outputs()) as unknown as Outputs;
const thumbprints = (o: Outputs) => Object.fromEntries(SERVERS.map((s) => [s, o.servers[s].thumbprint]));

beforeAll(async () => {
  site = await tempSite({
    stackName: "renew",
    program: siteProgram,
    stackConfigFile: "stacks/Pulumi.example.yaml",
  });
  // The stack file as a site would keep it for GitOps: autoRenew off, two short-lived certificates, a comment.
  stackFile = join(site.workDir, "Pulumi.renew.yaml");
  const doc = parseDocument(readFileSync(stackFile, "utf8"));
  const at = (...p: string[]) => ["config", "xprotect-certs:site", ...p];
  doc.setIn(at("ca", "rsaBits"), 2048);
  doc.setIn(at("defaults", "autoRenew"), false);
  for (const s of SHORT) doc.setIn(at("servers", s, "validityDays"), 40);
  doc.commentBefore = " Renewals come as pull requests (e2e).";
  writeFileSync(stackFile, doc.toString());
}, 120_000);

afterAll(async () => {
  delete process.env.XPROTECT_CERTS_NOW;
  await site?.cleanup();
});

test("renewals --apply bumps exactly the due certificates; preview shows them; up reissues only them", async () => {
  const first = await site.up();
  expect(first.changeSummary).toEqual({ create: RESOURCES });
  const before = await outputs();
  // 15 days on: the 40-day certificates are 5 days past their renewal point, the others are far from theirs.
  const later = new Date(Date.now() + 15 * DAY);
  for (const s of SERVERS) {
    expect({ s, due: Date.parse(before.servers[s].renewalDue) <= later.getTime() }).toEqual({
      s,
      due: SHORT.includes(s),
    });
  }
  site.setEnv({ XPROTECT_CERTS_NOW: later.toISOString() });
  process.env.XPROTECT_CERTS_NOW = later.toISOString();

  // autoRenew: false: the engine alone renews nothing, even past the renewal point.
  expect((await site.preview()).changeSummary).toEqual({ same: RESOURCES });

  const untouched = readFileSync(stackFile, "utf8");
  const listed = await renewals(["--stack", "renew", "--json"], later);
  expect(listed.code).toBe(10);
  expect(
    JSON.parse(listed.out)
      .due.map((d: { server: string }) => d.server)
      .sort(),
  ).toEqual(SHORT);
  expect(readFileSync(stackFile, "utf8")).toBe(untouched);

  const applied = await renewals(["--stack", "renew", "--apply"], later);
  expect({ code: applied.code, err: applied.err }).toEqual({ code: 10, err: "" });
  const edited = readFileSync(stackFile, "utf8");
  for (const s of SHORT) {
    expect(edited).toContain(`generation: 1 # renewals: bumped for serial ${before.servers[s].serialNumber}`);
  }
  expect(edited.replace(/^ +generation: 1 # renewals: .*\n/gm, "")).toBe(untouched);
  expect(edited).toMatch(/^# Renewals come as pull requests \(e2e\)\.\n/);
  const again = await renewals(["--stack", "renew", "--apply", "--within", "0", "--json"], later);
  expect(
    JSON.parse(again.out)
      .due.map((d: { server: string }) => d.server)
      .sort(),
  ).toEqual(SHORT);
  expect(again.code).toBe(10);
  expect(readFileSync(stackFile, "utf8")).toBe(edited);

  const preview = await site.npmRun("preview");
  expect(preview.code).toBe(0);
  const updates = [
    ...preview.output.matchAll(/~ +pulumi-nodejs:dynamic\/xprotect-certs:(\w+) +(\S+) +update/g),
  ]
    .map((m) => `${m[1]} ${m[2]}`)
    .sort();
  expect(updates).toEqual([
    "CertificateBinding site-event01",
    "CertificateBinding site-rec01",
    "ServerCertificate site-event01",
    "ServerCertificate site-rec01",
  ]);

  const up = await site.up();
  expect(up.changeSummary).toEqual({ update: 4, same: RESOURCES - 4 });
  const after = await outputs();
  expect(after.caThumbprint).toBe(before.caThumbprint);
  for (const s of SERVERS) {
    const changed = after.servers[s].thumbprint !== before.servers[s].thumbprint;
    expect({ s, changed }).toEqual({ s, changed: SHORT.includes(s) });
  }
  expect(thumbprints(after)).not.toEqual(thumbprints(before));

  // Renewed: nothing is due any more (the new 40-day certificates are due again in 10 days, outside --within 0),
  // and the file stays as merged.
  const done = await renewals(["--stack", "renew", "--apply", "--within", "0"], later);
  expect(done.code).toBe(0);
  expect(done.out).toContain("No server certificate is due now");
  expect(readFileSync(stackFile, "utf8")).toBe(edited);
}, 300_000); // three ups and the renewals command on a shared 2-core machine

test("an unknown stack exits 2 naming it, and creates nothing", async () => {
  const r = await renewals(["--stack", "no-such-stack"]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(
    /reading the outputs of stack "no-such-stack" failed: no stack named 'no-such-stack' found/,
  );
  expect(r.err).toMatch(/Check the stack name \(npm run pulumi -- stack ls\)/);
  expect(await site.cli(["stack", "ls", "--json"])).not.toContain("no-such-stack");
});

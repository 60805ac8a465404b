/**
 * The mistakes users make during a root rotation, on the real engine, with XPROTECT_CERTS_NOW moving the clock
 * (issue 24). Each is refused at preview, naming the step and the fix, or (the undo) works:
 * - stage and switch in one change: the root would be made in the same run, staged for 0 days;
 * - retire before the switch (ca takes nextCa's settings, nextCa removed, the old root unprotected): the servers
 *   would move to a root staged minutes ago;
 * - nextCa changed while switched: the servers would move to a root made in the same run;
 * - minStageDays left in the file without nextCa;
 * - removing only `issueFrom: nextCa` is refused; writing `issueFrom: ca` with nextCa still staged undoes the switch:
 *   the certificate is reissued from the old root, which OpenSSL verifies it against.
 * Few `up`s: one stack, one server.
 */
import { siteProgram } from "../../stacks";
import { tempSite, TempSite } from "../engine/harness";
import { openssl } from "../helpers/openssl";

jest.setTimeout(15 * 60 * 1000);
const DAY = 86_400_000;
const HOST = "rec01.vms.example.local";

interface Root {
  thumbprint: string;
  certificatePem: string;
  status: "active" | "next" | "previous";
}
interface Outputs {
  caThumbprint: string;
  trustedCaCertificates: Root[];
  servers: Record<string, { thumbprint: string; serialNumber: string }>;
  pfx: Record<string, string>;
  pfxPasswords: Record<string, string>;
}

let site: TempSite;
let now = new Date();

function setNow(d: Date): void {
  now = d;
  site.setEnv({ XPROTECT_CERTS_NOW: d.toISOString() });
  process.env.XPROTECT_CERTS_NOW = d.toISOString();
}

const CA = { commonName: "Mistakes Test CA", rsaBits: 2048, validityDays: 400 };
const NEXT = { ...CA, generation: 1 };
const setSite = (extra: Record<string, unknown>) =>
  site.setConfig({
    "xprotect-certs:site": {
      value: JSON.stringify({
        ca: CA,
        servers: { rec01: { role: "recordingServer", hostname: HOST } },
        ...extra,
      }),
    },
  });

/** What OpenSSL says of rec01's certificate (from its PFX) verified against exactly `roots`, at `now`. */
function verifyRec01(o: Outputs, roots: Root[]): string {
  const leaf = openssl(["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nokeys", "-clcerts"], {
    "s.pfx": Buffer.from(o.pfx.rec01, "base64"),
    pw: o.pfxPasswords.rec01,
  }).stdout;
  const r = openssl(
    ["verify", "-attime", String(Math.floor(now.getTime() / 1000)), "-CAfile", "roots.pem", "leaf.pem"],
    {
      "roots.pem": roots.map((x) => x.certificatePem).join("\n"),
      "leaf.pem": leaf.slice(leaf.indexOf("-----BEGIN CERTIFICATE-----")),
    },
  );
  return `${r.stdout}${r.stderr}`.trim();
}

/** The URN of a root by its resource name (site-ca, site-ca-g1, ...). */
async function rootUrn(name: string): Promise<string> {
  const state = await site.exportState();
  const r = (state.deployment.resources ?? []).find((x: { urn: string }) => x.urn.endsWith(`::${name}`));
  if (!r) throw new Error(`no resource ${name} in the state`);
  return r.urn as string;
}

beforeAll(async () => {
  site = await tempSite({ stackName: "mistakes", program: siteProgram });
  setNow(new Date());
});
afterAll(async () => {
  delete process.env.XPROTECT_CERTS_NOW;
  await site?.cleanup();
});

let before: Outputs;
let staged: Outputs;
let switched: Outputs;

test("before: one root, one server", async () => {
  await setSite({});
  const r = await site.up();
  expect(r.changeSummary).toEqual({ create: 1 + 1 + 1 + 2 });
  before = r.outputs as unknown as Outputs;
  expect(verifyRec01(before, before.trustedCaCertificates)).toBe("leaf.pem: OK");
});

test("stage and switch in one change: refused at preview, the root would be made in this run", async () => {
  await setSite({ nextCa: NEXT, issueFrom: "nextCa" });
  const r = await site.npmRun("preview");
  expect(r.code).not.toBe(0);
  expect(r.output).toMatch(
    /minStageDays: the switch to the next root is allowed from \d{4}-\d\d-\d\dT\S+ at the earliest: that root is made in this run, so it has been staged for 0 days, and minStageDays is 7/,
  );
  expect(r.output).toMatch(/Stage it first \(nextCa without issueFrom: nextCa\)/);
});

test("minStageDays without nextCa: refused at preview, naming it and the fix", async () => {
  await setSite({ minStageDays: 0 });
  const r = await site.npmRun("preview");
  expect(r.code).not.toBe(0);
  expect(r.output).toMatch(/minStageDays: 0 is set without nextCa: .*Remove it/);
});

test("stage: the next root is made; nothing reissued", async () => {
  await setSite({ nextCa: NEXT });
  const r = await site.up();
  expect(r.changeSummary).toEqual({ create: 1, same: 5 });
  staged = r.outputs as unknown as Outputs;
  expect(staged.servers.rec01.thumbprint).toBe(before.servers.rec01.thumbprint);
  // 250 days on, the active root (400 days) warns of its end with the step that comes next: the switch.
  const today = now;
  setNow(new Date(today.getTime() + 250 * DAY));
  const later = await site.preview();
  setNow(today);
  expect(later.stdout).toMatch(
    /The site CA expires on \d{4}-\d\d-\d\d \(in 1\d\d days\)\. A next root is staged \(nextCa\): the next step is the switch/,
  );
  expect(later.stdout).toMatch(/The next root CA \(nextCa, staged, issuing nothing yet\) expires on/);
  expect(later.stdout).not.toMatch(/Stage it \(nextCa/);
});

test("retire before the switch (old root unprotected as the preview asks): refused, minStageDays not yet passed", async () => {
  await setSite({ ca: NEXT });
  await site.cli(["state", "unprotect", await rootUrn("site-ca"), "--yes", "--stack", site.stackName]);
  const r = await site.npmRun("preview");
  expect(r.code).not.toBe(0);
  const next = staged.trustedCaCertificates.find((x) => x.status === "next")!.thumbprint;
  expect(r.output).toMatch(
    new RegExp(
      `minStageDays: the switch to the next root ${next} is allowed from \\d{4}-\\d\\d-\\d\\dT\\S+: it was staged on ` +
        `\\S+, and minStageDays is 7`,
    ),
  );
  expect(r.output).toMatch(/without a switch .*put nextCa back/);
  await site.cli(["state", "protect", await rootUrn("site-ca"), "--yes", "--stack", site.stackName]);
});

test("switch after minStageDays, then nextCa changed while switched: refused at preview", async () => {
  setNow(new Date(now.getTime() + 8 * DAY));
  await setSite({ nextCa: NEXT, issueFrom: "nextCa" });
  const r = await site.up();
  expect(r.changeSummary).toEqual({ update: 2, same: 4 });
  switched = r.outputs as unknown as Outputs;
  expect(switched.caThumbprint).not.toBe(before.caThumbprint);

  await setSite({ nextCa: { ...NEXT, generation: 2 }, issueFrom: "nextCa" });
  const changed = await site.npmRun("preview");
  expect(changed.code).not.toBe(0);
  expect(changed.output).toMatch(
    /minStageDays: the switch to the next root is allowed from \S+ at the earliest: that root is made in this run/,
  );
});

test("undo the switch: removing issueFrom alone is refused; issueFrom: ca written on purpose reissues from the old root", async () => {
  await setSite({ nextCa: NEXT });
  const removed = await site.npmRun("preview");
  expect(removed.code).not.toBe(0);
  expect(removed.output).toMatch(
    /would move from the root [0-9A-F]{40} \(generation 1\), which issues it now, back to/,
  );
  expect(removed.output).toMatch(
    /to go back to the previous root on purpose \(undo the switch\), keep nextCa and write issueFrom: ca/,
  );

  await setSite({ nextCa: NEXT, issueFrom: "ca" });
  const r = await site.up();
  expect(r.changeSummary).toEqual({ update: 2, same: 4 });
  const undone = r.outputs as unknown as Outputs;
  expect(undone.caThumbprint).toBe(before.caThumbprint);
  expect(undone.servers.rec01.thumbprint).not.toBe(switched.servers.rec01.thumbprint);
  expect(undone.trustedCaCertificates.map((x) => [x.thumbprint, x.status])).toEqual([
    [before.caThumbprint, "active"],
    [switched.caThumbprint, "next"],
  ]);
  // OpenSSL: the new certificate chains to the old root alone, and not to the next root alone.
  const oldRoot = undone.trustedCaCertificates.filter((x) => x.status === "active");
  const nextRoot = undone.trustedCaCertificates.filter((x) => x.status === "next");
  expect(verifyRec01(undone, oldRoot)).toBe("leaf.pem: OK");
  expect(verifyRec01(undone, nextRoot)).toMatch(/unable to get local issuer certificate/);
  // Nothing more to do: the next up changes nothing.
  expect((await site.preview()).changeSummary).toEqual({ same: 6 });
});

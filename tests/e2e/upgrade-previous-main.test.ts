/**
 * Stacks made by commit eb03989 (the main branch this session started from: the XProtectSite component, roots
 * named by generation, root rotation) upgrade with nothing replaced, updated or reissued, on the real engine.
 * The states are tests/fixtures/upgrade-eb03989 (one server of each kind, a domain service account, the
 * modern-aes256 profile, a PFX without the chain, an IPv6 address, a secret PFX password) and
 * tests/fixtures/upgrade-eb03989-staged (a root rotation at its first step: the next root staged), both made by
 * tests/fixtures/make-upgrade-fixture.sh with secrets encrypted under the test passphrase.
 */
import { copyFileSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Deployment } from "@pulumi/pulumi/automation";
import { siteProgram } from "../../stacks";
import { tempSite, TempSite } from "../engine/harness";
import { certs, DYNAMIC, resources } from "../helpers/upgrade-state";
import { openssl } from "../helpers/openssl";
import { X509Certificate } from "node:crypto";

const PASSPHRASE = "xprotect-certs-upgrade-fixture";
const DAY = 86_400_000;

function load(fixtureName: string) {
  const dir = path.join(__dirname, "../fixtures", fixtureName);
  const state = JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as Deployment;
  const madeAt = Date.parse(
    resources(state).find((r) => r.type === `${DYNAMIC}CaCertificate`)!.outputs!.notBefore as string,
  );
  return { dir, state, madeAt };
}

async function importSite(dir: string, now: number): Promise<TempSite> {
  process.env.XPROTECT_CERTS_NOW = new Date(now).toISOString(); // the program's warnings read it too
  const site = await tempSite({
    stackName: "upgrade",
    program: siteProgram,
    env: { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, XPROTECT_CERTS_NOW: new Date(now).toISOString() },
  });
  copyFileSync(path.join(dir, "Pulumi.upgrade.yaml"), path.join(site.workDir, "Pulumi.upgrade.yaml"));
  await site.cli(["stack", "import", "--file", path.join(dir, "state.json"), "--stack", "upgrade"]);
  return site;
}

const savedNow = process.env.XPROTECT_CERTS_NOW;
afterAll(() => {
  if (savedNow === undefined) delete process.env.XPROTECT_CERTS_NOW;
  else process.env.XPROTECT_CERTS_NOW = savedNow;
});

describe("a site made by eb03989", () => {
  const { dir, state, madeAt } = load("upgrade-eb03989");
  let site: TempSite;
  beforeAll(async () => {
    site = await importSite(dir, madeAt + DAY);
  }, 120000);
  afterAll(async () => site?.cleanup());

  test("the fixture holds the component, a root and six servers with their bindings", () => {
    const ours = resources(state).filter((r) => r.type.startsWith(DYNAMIC));
    expect(ours).toHaveLength(13);
    expect(resources(state).some((r) => r.type === "xprotect-certs:index:XProtectSite")).toBe(true);
  });

  test("preview and up change nothing: same thumbprints, serials, PFX and passwords", async () => {
    const preview = await site.preview();
    expect(preview.changeSummary).toEqual({ same: 15 });
    const before = certs(state);
    const r = await site.up();
    expect(r.changeSummary).toEqual({ same: 15 });
    expect(certs(await site.exportState())).toEqual(before);

    // The PFX secret of rec01 still opens with the password the fixture set, and holds the same certificate.
    const out = r.outputs as {
      servers: Record<string, { thumbprint: string }>;
      pfx: Record<string, string>;
      pfxPasswords: Record<string, string>;
    };
    expect(out.pfxPasswords.rec01).toBe("Upgrade-Fixture-Pw1");
    // The password goes through a file in openssl's own temp folder, never on its command line.
    const cert = openssl(["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nokeys", "-clcerts"], {
      "s.pfx": Buffer.from(out.pfx.rec01, "base64"),
      pw: out.pfxPasswords.rec01,
    });
    expect(cert.status).toBe(0);
    expect(new X509Certificate(cert.stdout).fingerprint.replace(/:/g, "")).toBe(out.servers.rec01.thumbprint);
  }, 180000);
});

describe("a site made by eb03989 with the next root staged", () => {
  const { dir, state, madeAt } = load("upgrade-eb03989-staged");
  let site: TempSite;
  beforeAll(async () => {
    site = await importSite(dir, madeAt + DAY);
  }, 120000);
  afterAll(async () => site?.cleanup());

  test("up changes nothing while staged", async () => {
    const r = await site.up();
    expect(r.changeSummary).toEqual({ same: 8 });
    expect(certs(await site.exportState())).toEqual(certs(state));
  }, 180000);

  test("the staging time kept in the old state still counts: the switch is refused before 7 days, allowed after", async () => {
    const config = JSON.parse(await site.cli(["config", "get", "site", "--json", "--stack", "upgrade"])) as {
      value: string;
    };
    const siteConfig = { ...(JSON.parse(config.value) as Record<string, unknown>), issueFrom: "nextCa" };
    await site.setConfig({ "xprotect-certs:site": { value: JSON.stringify(siteConfig) } });
    const early = await site.npmRun("preview");
    expect(early.code).not.toBe(0);
    expect(early.output).toMatch(/minStageDays/);

    const later = new Date(madeAt + 8 * DAY).toISOString();
    site.setEnv({ XPROTECT_CERTS_NOW: later });
    process.env.XPROTECT_CERTS_NOW = later;
    const r = await site.up();
    expect(r.changeSummary).toEqual({ same: 4, update: 4 }); // 2 certificates and their 2 bindings
  }, 300000);
});

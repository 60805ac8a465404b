/**
 * Stacks made by commit 584e7a6 (before the package and XProtectSite: the CA, certificates and bindings at the
 * stack's top level) upgrades to the component on the real engine with nothing replaced, deleted or reissued.
 * The state is tests/fixtures/upgrade-584e7a6 (made by tests/fixtures/make-upgrade-fixture.sh, secrets encrypted with its test passphrase);
 * it is imported into a throw-away backend and `up` runs the current stack program on it.
 */
import { copyFileSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Deployment } from "@pulumi/pulumi/automation";
import { siteProgram } from "../../stacks";
import { tempSite, TempSite } from "../engine/harness";
import { certs as certsOf, DYNAMIC, resources } from "../helpers/upgrade-state";

const PASSPHRASE = "xprotect-certs-upgrade-fixture";
const SITE_TYPE = "xprotect-certs:index:XProtectSite";

/** Thumbprint and serial of every certificate, the CA under "CA" (its name may change: see below). */
const certs = (d: Deployment) => certsOf(d, "CA");

/**
 * Two states of commit 584e7a6: a site as made (CA generation 0), and one whose CA had been replaced by a
 * generation bump, the only way to a new root before rotation. Roots are now named by generation (site-ca-g1);
 * the bumped one keeps its resource under the new name (an alias), with nothing replaced or reissued.
 */
describe.each([
  ["upgrade-584e7a6", "site-ca"],
  ["upgrade-584e7a6-gen1", "site-ca-g1"],
])("a state of %s", (fixtureName, caName) => {
  const FIXTURE = path.join(__dirname, "../fixtures", fixtureName);
  const fixture = JSON.parse(readFileSync(path.join(FIXTURE, "state.json"), "utf8")) as Deployment;
  // The fixture's certificates are valid for two years from when it was made: run at its time, not the clock's,
  // so that none is due for renewal whenever this runs.
  const madeAt = resources(fixture).find((r) => r.type === `${DYNAMIC}CaCertificate`)!.outputs!
    .notBefore as string;
  const NOW = new Date(Date.parse(madeAt) + 86400000).toISOString();

  let site: TempSite;
  const savedNow = process.env.XPROTECT_CERTS_NOW;

  beforeAll(async () => {
    process.env.XPROTECT_CERTS_NOW = NOW; // the program's warnings read it too
    site = await tempSite({
      stackName: "upgrade",
      program: siteProgram,
      env: { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, XPROTECT_CERTS_NOW: NOW },
    });
    // The fixture's stack file: its site config, encrypted pfxPasswords and the salt they were encrypted with.
    copyFileSync(path.join(FIXTURE, "Pulumi.upgrade.yaml"), path.join(site.workDir, "Pulumi.upgrade.yaml"));
    await site.cli(["stack", "import", "--file", path.join(FIXTURE, "state.json"), "--stack", "upgrade"]);
  }, 120000);

  afterAll(async () => {
    if (savedNow === undefined) delete process.env.XPROTECT_CERTS_NOW;
    else process.env.XPROTECT_CERTS_NOW = savedNow;
    await site?.cleanup();
  });

  test("the fixture is a pre-component state: every resource at the top, old loader in __provider", () => {
    const ours = resources(fixture).filter((r) => r.type.startsWith(DYNAMIC));
    expect(ours).toHaveLength(7);
    for (const r of ours) {
      expect(r.parent).toMatch(/::pulumi:pulumi:Stack::/);
      expect(r.outputs?.__provider).toContain('"dist/provider/runtime/index.js"');
    }
    expect(ours.find((r) => r.type === `${DYNAMIC}CaCertificate`)!.urn).toMatch(/::site-ca$/);
  });

  test("up moves everything into XProtectSite: one create (the component), nothing else changes", async () => {
    const before = certs(fixture);
    const r = await site.up();
    expect(r.changeSummary).toEqual({ create: 1, same: 8 });
    // The engine's progress lines: the component's create, and no step on any other resource.
    // (Only the resources: the outputs section lists the new, additive trustedCaCertificates output.)
    const steps = r.stdout
      .replace(/\nOutputs:\n[\s\S]*?\nResources:\n/, "\nResources:\n")
      .split("\n")
      .filter((l) => /^\s*[-+~]/.test(l) || /\b(replac|delet)/i.test(l));
    expect(steps.map((l) => l.trim().replace(/\s*\(.*$/, ""))).toEqual([
      "+  xprotect-certs:index:XProtectSite site creating",
      "+ 1 created",
    ]);

    const after = await site.exportState();
    const component = resources(after).find((x) => x.type === SITE_TYPE)!;
    expect(component.urn).toMatch(/::xprotect-certs:index:XProtectSite::site$/);
    const ours = resources(after).filter((x) => x.type.startsWith(DYNAMIC));
    expect(ours).toHaveLength(7);
    for (const x of ours) expect(x.parent).toBe(component.urn);
    expect(ours.find((x) => x.type === `${DYNAMIC}CaCertificate`)!.urn).toMatch(new RegExp(`::${caName}$`));
    expect(certs(after)).toEqual(before); // every thumbprint and serial number

    const out = r.outputs as {
      servers: Record<string, { thumbprint: string; serialNumber: string }>;
      trustedCaCertificates: Array<{ thumbprint: string; status: string }>;
    };
    for (const name of ["mgmt01", "rec01", "mob01"]) {
      expect([out.servers[name].thumbprint, out.servers[name].serialNumber]).toEqual(before[name]);
    }
    expect(out.trustedCaCertificates.map((x) => [x.thumbprint, x.status])).toEqual([
      [before.CA[0], "active"],
    ]);
  }, 180000);

  test("a second up is all same", async () => {
    const r = await site.up();
    expect(r.changeSummary).toEqual({ same: 9 });
  }, 120000);
});

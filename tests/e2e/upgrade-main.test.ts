/**
 * A stack made by commit eb03989 (main before issuers: tests/fixtures/upgrade-eb03989) runs `up` with the current
 * code on the real engine and nothing changes: no step on any resource, and every stored input and output of the
 * CA, the certificates and the bindings is as it was (no `issuer` or other new key appears in the state).
 */
import { copyFileSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Deployment } from "@pulumi/pulumi/automation";
import { siteProgram } from "../../stacks";
import { tempSite, TempSite } from "../engine/harness";

jest.setTimeout(5 * 60 * 1000);

const PASSPHRASE = "xprotect-certs-upgrade-fixture";
const DYNAMIC = "pulumi-nodejs:dynamic/xprotect-certs:";
const FIXTURE = path.join(__dirname, "../fixtures/upgrade-eb03989");

interface StateResource {
  urn: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}
const ours = (d: Deployment): StateResource[] =>
  (d.deployment as { resources: StateResource[] }).resources.filter((r) => r.type.startsWith(DYNAMIC));
const byUrn = (d: Deployment) =>
  Object.fromEntries(ours(d).map((r) => [r.urn, { inputs: r.inputs, outputs: r.outputs }]));

const fixture = JSON.parse(readFileSync(path.join(FIXTURE, "state.json"), "utf8")) as Deployment;
const madeAt = ours(fixture).find((r) => r.type === `${DYNAMIC}CaCertificate`)!.outputs!.notBefore as string;
const NOW = new Date(Date.parse(madeAt) + 86400000).toISOString();

let site: TempSite;
const savedNow = process.env.XPROTECT_CERTS_NOW;

beforeAll(async () => {
  process.env.XPROTECT_CERTS_NOW = NOW;
  site = await tempSite({
    stackName: "upgrade",
    program: siteProgram,
    env: { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, XPROTECT_CERTS_NOW: NOW },
  });
  copyFileSync(path.join(FIXTURE, "Pulumi.upgrade.yaml"), path.join(site.workDir, "Pulumi.upgrade.yaml"));
  await site.cli(["stack", "import", "--file", path.join(FIXTURE, "state.json"), "--stack", "upgrade"]);
}, 120000);

afterAll(async () => {
  if (savedNow === undefined) delete process.env.XPROTECT_CERTS_NOW;
  else process.env.XPROTECT_CERTS_NOW = savedNow;
  await site?.cleanup();
});

test("preview and up change nothing; every stored input and output stays as main wrote it", async () => {
  // Decrypted, as imported (the import encrypts the secrets anew, so ciphertexts cannot be compared).
  const before = await site.exportState({ showSecrets: true });
  expect(Object.keys(byUrn(before)).sort()).toEqual(Object.keys(byUrn(fixture)).sort());
  const preview = await site.preview();
  expect(preview.changeSummary).toEqual({ same: 9 });
  const up = await site.up();
  expect(up.changeSummary).toEqual({ same: 9 });
  const after = await site.exportState({ showSecrets: true });
  expect(ours(after)).toHaveLength(7);
  expect(byUrn(after)).toEqual(byUrn(before));
  for (const r of ours(after)) expect(r.outputs).not.toHaveProperty("issuer");
});

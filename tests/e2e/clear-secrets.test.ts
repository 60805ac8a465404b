/**
 * Secret config keys set without `--secret` (real engine, `npm run preview` in its own process): the value would
 * sit as plain text in the committed stack file. A PFX password map set entry by entry in the clear, the CA's
 * PFX set in the clear beside its secret password, and a map with one secret and one clear entry (which makes the
 * whole key "secret" to the engine) are each refused at preview, naming the key, the command that sets it right
 * and the git history; the value itself is never shown. Set with --secret, the same values are accepted. A plain
 * `pulumi preview` of this repository (Pulumi's CLI and language host, the stack file in stacks/) refuses the
 * clear entry of a mixed map the same way.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { siteProgram } from "../../stacks";
import { tempSite, TempSite } from "../engine/harness";
import { FIXTURE_PASSWORD, Fixtures, makeFixtures } from "../helpers/vendor-fixtures";
import { plainPulumi } from "./plain-pulumi";

const SITE = {
  ca: { rsaBits: 2048 },
  servers: {
    rec01: { role: "recordingServer", hostname: "rec01.vms.example.local" },
    rec02: { role: "recordingServer", hostname: "rec02.vms.example.local" },
  },
};
const REC01 = "Rec01-secret-password";
const REC02 = "Rec02-clear-password";

let site: TempSite;
let fx: Fixtures;

const stackFile = () => readFileSync(join(site.workDir, "Pulumi.clear.yaml"), "utf8");
const rm = (key: string, path = false) =>
  site.cli(["config", "rm", ...(path ? ["--path"] : []), key, "--stack", "clear"]);

beforeAll(async () => {
  fx = makeFixtures();
  site = await tempSite({ stackName: "clear", program: siteProgram });
  await site.setConfig({ "xprotect-certs:site": { value: JSON.stringify(SITE) } });
}, 120_000);
afterAll(async () => site?.cleanup());

test("a PFX password map set entry by entry without --secret is refused at preview, naming each entry", async () => {
  await site.setConfig(
    {
      'xprotect-certs:pfxPasswords["rec01"]': { value: REC01 },
      'xprotect-certs:pfxPasswords["rec02"]': { value: REC02 },
    },
    { path: true },
  );
  expect(stackFile()).toContain(`rec02: ${REC02}`); // the plain text the check is about

  const r = await site.npmRun("preview");
  expect(r.code).not.toBe(0);
  for (const server of ["rec01", "rec02"]) {
    expect(r.output).toContain(
      `xprotect-certs:pfxPasswords.${server}: is set in the clear, not as a secret: it is plain text in Pulumi.clear.yaml, ` +
        `which is committed, and is not used. Set it as a secret, from a file or typed when asked (never on the ` +
        `command line): npm run pulumi -- config set --secret --path 'pfxPasswords["${server}"]' --stack clear < ${server}-password.txt. ` +
        "The clear value also stays in git history: remove it from there too",
    );
  }
  expect(r.output).not.toContain(REC01);
  expect(r.output).not.toContain(REC02);
}, 180_000);

test("one entry secret and another in the clear (the key counts as secret to the engine): the clear one is refused", async () => {
  await site.setConfig(
    { 'xprotect-certs:pfxPasswords["rec01"]': { value: REC01, secret: true } },
    { path: true },
  );
  expect(stackFile()).toMatch(/rec01:\n\s+secure: /);
  expect(stackFile()).toContain(`rec02: ${REC02}`);

  const r = await site.npmRun("preview");
  expect(r.code).not.toBe(0);
  expect(r.output).toContain(`xprotect-certs:pfxPasswords.rec02: is set in the clear`);
  expect(r.output).not.toContain(`xprotect-certs:pfxPasswords.rec01:`);
  expect(r.output).not.toContain(REC02);

  // Both secret: accepted.
  await site.setConfig(
    { 'xprotect-certs:pfxPasswords["rec02"]': { value: REC02, secret: true } },
    { path: true },
  );
  expect(stackFile()).not.toContain(REC02);
  const ok = await site.npmRun("preview");
  expect(ok.output).not.toMatch(/is set in the clear/);
  expect(ok.code).toBe(0);
}, 240_000);

test("the CA's PFX set without --secret (its password secret) is refused; with --secret it is adopted", async () => {
  await site.setConfig({
    "xprotect-certs:caPfx": { value: fx.vendorCa.pfx3des },
    "xprotect-certs:caPfxPassword": { value: FIXTURE_PASSWORD, secret: true },
  });
  expect(stackFile()).toContain(fx.vendorCa.pfx3des);

  const r = await site.npmRun("preview");
  expect(r.code).not.toBe(0);
  expect(r.output).toContain(
    "xprotect-certs:caPfx: is set in the clear, not as a secret: it is plain text in Pulumi.clear.yaml, which is " +
      "committed, and is not used. Set it as a secret, from a file or typed when asked (never on the command line): " +
      "npm run pulumi -- config set --secret 'caPfx' --stack clear < ca.pfx.b64. The clear value also stays in git history",
  );
  expect(r.output).not.toContain("caPfxPassword: is set in the clear");
  expect(r.output).not.toContain(fx.vendorCa.pfx3des.slice(0, 40));
  expect(r.output).not.toContain(FIXTURE_PASSWORD);

  await site.setConfig({ "xprotect-certs:caPfx": { value: fx.vendorCa.pfx3des, secret: true } });
  const ok = await site.npmRun("preview");
  expect(ok.output).not.toMatch(/is set in the clear/);
  expect(ok.code).toBe(0);
  await rm("xprotect-certs:caPfx");
  await rm("xprotect-certs:caPfxPassword");
}, 240_000);

test("a plain pulumi preview of this repository refuses the clear entry of a mixed map too", async () => {
  const repo = join(__dirname, "../..");
  const stack = `e2e-plain-clear-${process.pid}`;
  const file = join(repo, "stacks", `Pulumi.${stack}.yaml`); // .gitignore covers stacks/Pulumi.e2e-plain-*.yaml
  const base = mkdtempSync(join(tmpdir(), "xprotect-plain-clear-"));
  try {
    const pulumi = await plainPulumi(base, "plain-clear-test-passphrase");
    writeFileSync(file, `config:\n  xprotect-certs:site: ${JSON.stringify(SITE)}\n`);
    await pulumi.run(["stack", "init", stack], repo);
    await pulumi.run(
      ["config", "set", "--secret", "--path", 'pfxPasswords["rec01"]', REC01, "--stack", stack],
      repo,
    );
    // The CLI asks for --plaintext when a value looks random: as a user told so would.
    await pulumi.run(
      ["config", "set", "--plaintext", "--path", 'pfxPasswords["rec02"]', REC02, "--stack", stack],
      repo,
    );
    expect(readFileSync(file, "utf8")).toContain(`rec02: ${REC02}`);
    const error = await pulumi.run(["preview", "--stack", stack], repo).then(
      () => "",
      (e: Error) => e.message,
    );
    expect(error).toContain(
      `xprotect-certs:pfxPasswords.rec02: is set in the clear, not as a secret: it is plain text in stacks/Pulumi.${stack}.yaml`,
    );
    expect(error).not.toContain("xprotect-certs:pfxPasswords.rec01:");
    expect(error).not.toContain(REC02);
  } finally {
    rmSync(file, { force: true });
    rmSync(base, { recursive: true, force: true });
  }
}, 240_000);

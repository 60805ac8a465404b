/**
 * A plain `pulumi up` of this repository's own Pulumi.yaml (runtime nodejs, main dist/stacks/main.js), with
 * Pulumi's CLI and its Node.js language host, as a user with Pulumi's distribution runs it: a temp stack on a
 * throw-away backend, then a second `up` that changes nothing. Its stack file has to be in stacks/
 * (Pulumi.yaml's stackConfigDir): it gets a unique name and is removed afterwards (.gitignore covers it).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { plainPulumi, PlainPulumi } from "./plain-pulumi";

const REPO = path.join(__dirname, "../..");
const STACK = `e2e-plain-${process.pid}`;
const STACK_FILE = path.join(REPO, "stacks", `Pulumi.${STACK}.yaml`);

let base: string;
let pulumi: PlainPulumi;

beforeAll(async () => {
  base = mkdtempSync(path.join(tmpdir(), "xprotect-plain-"));
  pulumi = await plainPulumi(base, "plain-up-test-passphrase"); // fails here without a language host
  writeFileSync(
    STACK_FILE,
    [
      "config:",
      "  xprotect-certs:site:",
      "    ca: { commonName: Plain Up CA, rsaBits: 2048 }",
      "    servers:",
      "      mgmt01: { role: managementServer, hostname: mgmt01.vms.example.local }",
      "      rec01: { role: recordingServer, hostname: rec01.vms.example.local }",
      "",
    ].join("\n"),
  );
}, 300000);

afterAll(() => {
  rmSync(STACK_FILE, { force: true });
  if (base) rmSync(base, { recursive: true, force: true });
});

test("pulumi up of this repository on a temp stack, then a no-op up", async () => {
  await pulumi.run(["stack", "init", STACK], REPO);
  const up = await pulumi.run(["up", "--yes", "--stack", STACK], REPO);
  // The stack, the component, the CA, two certificates, two bindings.
  expect(up).toMatch(/\+ 7 created/);
  const outputs = JSON.parse(await pulumi.run(["stack", "output", "--json", "--stack", STACK], REPO));
  expect(outputs.contractVersion).toBe(1);
  expect(Object.keys(outputs.servers).sort()).toEqual(["mgmt01", "rec01"]);
  expect(outputs.servers.rec01.slots.map((s: { slot: string }) => s.slot)).toEqual([
    "server",
    "streamingMedia",
  ]);
  expect(outputs.pfx).toBe("[secret]");

  const again = await pulumi.run(["up", "--yes", "--expect-no-changes", "--stack", STACK], REPO);
  expect(again).toMatch(/7 unchanged/);
}, 300000);

/**
 * The installer cannot run here (it needs Windows and XProtect). What can be checked: every output field it
 * reads is in the contract's JSON Schema, so the contract and the installer cannot drift apart silently.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const script = readFileSync(join(__dirname, "../../scripts/Install-XProtectCertificate.ps1"), "utf8");
const schema = JSON.parse(readFileSync(join(__dirname, "../../stacks/outputs.schema.json"), "utf8"));

const readsOf = (variable: string) =>
  [...new Set([...script.matchAll(new RegExp(`\\$${variable}\\.([A-Za-z]+)`, "g"))].map((m) => m[1]))].filter(
    (f) => !["PSObject"].includes(f),
  );

describe("the installer reads only what the contract defines", () => {
  test("top-level outputs", () => {
    const reads = readsOf("o");
    expect(reads.length).toBeGreaterThanOrEqual(6);
    for (const f of reads) expect(Object.keys(schema.properties)).toContain(f);
  });

  test("server fields", () => {
    const reads = readsOf("srv");
    expect(reads).toEqual(expect.arrayContaining(["thumbprint", "serviceAccount", "slots", "hostname"]));
    for (const f of reads) expect(Object.keys(schema.$defs.server.properties)).toContain(f);
  });

  test("slot fields", () => {
    const reads = readsOf("slot");
    expect(reads).toEqual(expect.arrayContaining(["command", "slot", "groupId"]));
    for (const f of reads)
      expect(Object.keys(schema.$defs.server.properties.slots.items.properties)).toContain(f);
  });

  test("it checks the contract version it was written for", () => {
    expect(script).toMatch(/\$o\.contractVersion -ne 1/);
    expect(schema.properties.contractVersion.const).toBe(1);
  });
});

/**
 * The installer with a public certificate (issue 23): it imports the public PFX's leaf (with its key) into
 * LocalMachine\My and its intermediates into LocalMachine\CA, grants the service account its key, and switches each
 * slot on with that slot's own certificate (the thumbprint the manifest gives the slot, the server's otherwise).
 * Checked on the parsed script: it cannot run here.
 */
import { powershellErrors, readRepoFile, readsOf } from "./powershell";

const script = readRepoFile("scripts/bundle/Install-XProtectCertificate.ps1");
const schema = JSON.parse(readRepoFile("scripts/bundle/manifest.schema.json"));
const block = (from: string, to: string) => {
  const start = script.indexOf(from);
  expect(start).toBeGreaterThanOrEqual(0);
  return script.slice(start, script.indexOf(to, start));
};

test("parses, and every public field it reads is in the manifest schema", async () => {
  expect(await powershellErrors(script)).toEqual([]);
  expect(readsOf(script, "m")).toEqual(
    expect.arrayContaining(["publicCertificate", "publicPfxFile", "publicPfxPassword"]),
  );
  for (const f of ["publicCertificate", "publicPfxFile", "publicPfxPassword"])
    expect(schema.properties[f]).toBeDefined();
  expect(readsOf(script, "Slot")).toContain("thumbprint");
  expect(schema.properties.slots.items.properties.thumbprint).toBeDefined();
});

test("imports the public leaf into My and the intermediates into CA, under ShouldProcess, and grants its key", () => {
  const pub = block("# --- 3b. The public certificate", "# --- 4. Switch encryption on");
  expect(pub).toMatch(/ShouldProcess\('LocalMachine\\My', "import public certificate \$pt/);
  expect(pub).toContain("$fromPfx.Import($publicPfxPath, [string]$m.publicPfxPassword, $flags)");
  expect(pub).toMatch(/\$_\.Thumbprint -eq \$pt -and \$_\.HasPrivateKey/);
  expect(pub).toMatch(
    /Open-Store 'CA' 'ReadWrite'\n\s+foreach \(\$i in \$intermediates\) \{ \$store\.Add\(\$i\) \}/,
  );
  expect(pub).toMatch(/ShouldProcess\(\$publicKeyFile, "grant Read to/);
  expect(pub).not.toMatch(/Open-Store 'Root'/); // the PFX holds no root, and none is trusted from it
});

test("switches each slot on with its own thumbprint, checked against its command", () => {
  const slots = block("# --- 4. Switch encryption on", "# --- 5. Remove");
  expect(slots).toMatch(/\$bindings\[\$_\.groupId\] -ne \(Get-SlotThumbprint \$_\)/);
  expect(slots).toContain('"/thumbprint=$slotThumbprint"');
  expect(slots).not.toContain('"/thumbprint=$($m.thumbprint)"');
  const fn = block("function Get-SlotThumbprint", "# --- 4. Switch encryption on");
  expect(fn).toMatch(
    /if \(\$Slot\.PSObject\.Properties\['thumbprint'\] -and \$Slot\.thumbprint\) \{ return \[string\]\$Slot\.thumbprint \}\n\s+return \[string\]\$m\.thumbprint/,
  );
  // -RemoveReplaced never removes a certificate a slot of this manifest uses.
  expect(block("# --- 5. Remove", "if ($WhatIfPreference)")).toContain(
    "$inUse += @(@($m.slots) | ForEach-Object { Get-SlotThumbprint $_ })",
  );
});

/**
 * The installer cannot run here (it needs Windows and XProtect). What is checked: it parses with a real
 * PowerShell grammar (and a broken copy does not), and every manifest field it reads is in the manifest's JSON
 * Schema, so the bundle and the installer cannot drift apart silently. It reads the manifest, never the whole
 * stack outputs.
 */
import { powershellErrors, readRepoFile, readsOf } from "../bundle/powershell";

const INSTALLER = "scripts/bundle/Install-XProtectCertificate.ps1";
const script = readRepoFile(INSTALLER);
const schema = JSON.parse(readRepoFile("scripts/bundle/manifest.schema.json"));

describe("the installer's PowerShell", () => {
  test("parses with tree-sitter-powershell", async () => {
    expect(await powershellErrors(script)).toEqual([]);
  });

  test.each([
    [
      "an unclosed parenthesis",
      "foreach ($ca in @($m.trustedCaCertificates)) {",
      "foreach ($ca in @($m.trustedCaCertificates) {",
    ],
    ["a stray closing brace", "$manifestPath = Get-ManifestPath\n", "$manifestPath = Get-ManifestPath }\n"],
    [
      "an unterminated string",
      'Write-Step "certificate $($m.thumbprint) in LocalMachine\\My already"',
      'Write-Step "certificate $($m.thumbprint) in LocalMachine\\My already',
    ],
    ["$name: in a string", "no ${field}: make", "no $field: make"],
  ])("a copy with %s does not parse", async (_what, from, to) => {
    expect(script).toContain(from);
    expect(await powershellErrors(script.replace(from, to))).not.toEqual([]);
  });

  test("runs elevated, supports -WhatIf, takes a bundle or a manifest, and is Windows PowerShell 5.1 syntax", () => {
    expect(script).toMatch(/^#Requires -RunAsAdministrator$/m);
    expect(script).toMatch(/^#Requires -Version 5\.1$/m);
    expect(script).toMatch(/\[CmdletBinding\(SupportsShouldProcess = \$true/);
    expect(script).toMatch(/ParameterSetName = 'Bundle'\)\] \[string\] \$Bundle/);
    expect(script).toMatch(/ParameterSetName = 'Manifest'\)\] \[string\] \$Manifest/);
    // PowerShell 7 only: ?? ?. ternary, pipeline chains, clean blocks.
    const code = script.replace(/'[^'\n]*'|"[^"\n]*"|#.*$/gm, "");
    for (const seven of [/\?\?/, /\?\./, /\s&&\s/, /\s\|\|\s/, /\$\w+ \? .+ : /])
      expect(code).not.toMatch(seven);
  });

  test("writes nothing outside ShouldProcess, and no temporary file", () => {
    expect(script).not.toMatch(
      /\$env:TEMP|\$env:TMP|GetTempFileName|GetTempPath|New-TemporaryFile|-RedirectStandardOutput/i,
    );
    // Every writing call sits in a block entered through ShouldProcess (or a function only such blocks call).
    const writers = [
      /\.Add\(/,
      /\.Remove\(/,
      /Set-Acl/,
      /Remove-Item/,
      /Save-Bindings \$bindings/,
      /Save-Replaced [(@]/,
      /Invoke-Configurator \$ServerConfigurator \$arguments/,
    ];
    const lines = script.split("\n");
    let checked = 0;
    for (const w of writers) {
      for (const [i, line] of lines.entries()) {
        if (!w.test(line) || /^function /.test(line)) continue;
        const before = lines.slice(Math.max(0, i - 14), i + 1).join("\n");
        expect({ line: i + 1, guarded: /ShouldProcess/.test(before) }).toEqual({
          line: i + 1,
          guarded: true,
        });
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(11);
  });

  test("finds the key file by its unique name in both folders, not by the key's .NET type", () => {
    expect(script).not.toMatch(/-is \[System\.Security\.Cryptography\.RSACng\]/);
    expect(script).toContain("RSA\\MachineKeys\\$unique");
    expect(script).toContain("Keys\\$unique");
  });

  test("treats every Server Configurator exit code but 0 as a failure, and records no slot that failed", () => {
    // Only the vendor's codes are explained; no code is taken as "bound" (no public vendor source says so).
    const table = script.slice(
      script.indexOf("$ExitMeaning = @{"),
      script.indexOf("}", script.indexOf("$ExitMeaning = @{")),
    );
    expect([...table.matchAll(/^\s+'(-?\d+)'\s+= '.+'$/gm)].map((m) => m[1])).toEqual([
      "0",
      "-1",
      "-2",
      "-3",
      "-4",
    ]);
    expect(script).not.toMatch(/BoundWithWarning|^\s*exit 2/m);
    // Between running the slot's command and recording it in bindings.json: a throw for any code but 0.
    const run = script.indexOf("$r = Invoke-Configurator $ServerConfigurator $arguments");
    const record = script.indexOf("Save-Bindings $bindings", run);
    expect(run).toBeGreaterThan(0);
    const between = script.slice(run, record);
    expect(between).toMatch(
      /\n {4}if \(\$r\.ExitCode -ne 0\) \{\n(?:.*\n)*? {6}throw "Server Configurator failed for slot/,
    );
    expect(between).not.toMatch(/-and|-or/);
    expect(script).toContain("/listcertificategroups");
    expect(script).toContain("Found '(?<name>.+)' group with ID = ");
  });

  test("-RemoveReplaced removes only what this installer replaced in a slot and no slot still uses; key files only when asked", () => {
    const step5 = script.slice(
      script.indexOf("# --- 5."),
      script.indexOf("if ($WhatIfPreference) {\n  Write-Host"),
    );
    // Chosen from the recorded thumbprints, never by subject or issuer.
    expect(step5).toContain("foreach ($t in @(Read-Replaced)) {");
    expect(script).not.toMatch(/\$_\.Subject -eq \$cert\.Subject/);
    expect(step5).toContain("$inUse = @(@($bindings.Values) + $m.thumbprint)");
    expect(step5).toMatch(/if \(\$inUse -contains \$t\) \{\n.*\n\s+continue/);
    // Recorded when a slot switches from one certificate of bindings.json to this one.
    expect(script).toMatch(
      // Each slot records the certificate it was switched on with (a public slot: the public certificate).
      /\$previous = \$bindings\[\$slot\.groupId\]\n\s+\$bindings\[\$slot\.groupId\] = \$slotThumbprint\n\s+Save-Bindings \$bindings\n\s+if \(\$previous -and \$previous -ne \$slotThumbprint\) \{ Save-Replaced \(@\(Read-Replaced\) \+ \$previous\) \}/,
    );
    // A key file is looked for only with -RemoveKeyFiles, and never this certificate's (a renewal may keep the key).
    expect(step5).toContain("if ($old -and $RemoveKeyFiles -and $old.HasPrivateKey) {");
    expect(step5).toMatch(/if \(\$oldKey -and \$oldKey -eq \$keyFile\) \{\n.*\n\s+\$oldKey = \$null/);
    expect(step5.match(/Remove-Item/g)).toHaveLength(1);
    expect(step5).toContain("if ($oldKey) { Remove-Item -LiteralPath $oldKey -Force }");
    expect(script).toMatch(/\[switch\] \$RemoveKeyFiles/);
  });

  test("marks the roots it trusts with the manifest's site, and runs under any execution policy as its help shows", () => {
    expect(script).toMatch(/\$label = Get-RootLabel \(@\(\$sites\) \+ \$m\.stack\) \$root/);
    expect(script).toMatch(/\} elseif \(\$sites -notcontains \$m\.stack\) \{/);
    expect(script).toMatch(
      /^ {2}powershell\.exe -NoProfile -ExecutionPolicy Bypass -File \.\\Install-XProtectCertificate\.ps1 -Bundle D:\\bundle\\rec01 -WhatIf$/m,
    );
  });
});

describe("the installer reads only what the manifest schema defines", () => {
  test("manifest fields", () => {
    const reads = readsOf(script, "m");
    expect(reads).toEqual(
      expect.arrayContaining([
        "contractVersion",
        "stack",
        "thumbprint",
        "serviceAccount",
        "slots",
        "pfxFile",
        "pfxPassword",
        "trustedCaCertificates",
      ]),
    );
    for (const f of reads.filter((r) => r !== "PSObject"))
      expect(Object.keys(schema.properties)).toContain(f);
  });

  test("root fields", () => {
    const reads = readsOf(script, "ca");
    expect(reads).toEqual(expect.arrayContaining(["certificateDer", "thumbprint"]));
    for (const f of reads)
      expect(Object.keys(schema.properties.trustedCaCertificates.items.properties)).toContain(f);
  });

  test("slot fields", () => {
    const reads = readsOf(script, "slot");
    expect(reads).toEqual(["command", "groupId", "slot"]);
    for (const f of reads) expect(Object.keys(schema.properties.slots.items.properties)).toContain(f);
  });

  test("it checks the manifest version it was written for", () => {
    expect(script).toMatch(/\$m\.contractVersion -ne 1/);
    expect(schema.properties.contractVersion.const).toBe(1);
  });
});

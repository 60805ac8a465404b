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
    expect(checked).toBeGreaterThanOrEqual(9);
  });

  test("finds the key file by its unique name in both folders, not by the key's .NET type", () => {
    expect(script).not.toMatch(/-is \[System\.Security\.Cryptography\.RSACng\]/);
    expect(script).toContain("RSA\\MachineKeys\\$unique");
    expect(script).toContain("Keys\\$unique");
  });

  test("explains the Server Configurator's exit codes, the vendor's and the field's", () => {
    for (const code of ["0", "-1", "-2", "-3", "-4", "100", "10000", "20000", "100000", "300000"]) {
      expect(script).toMatch(new RegExp(`^\\s+'${code}'\\s+= '.+'$`, "m"));
    }
    expect(script).toContain("/listcertificategroups");
    expect(script).toContain("Found '(?<name>.+)' group with ID = ");
  });
});

describe("the installer reads only what the manifest schema defines", () => {
  test("manifest fields", () => {
    const reads = readsOf(script, "m");
    expect(reads).toEqual(
      expect.arrayContaining([
        "contractVersion",
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

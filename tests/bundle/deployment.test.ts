/**
 * What deployment tools run, checked without Windows: the client kit's script and the DSC configuration parse
 * with a real PowerShell grammar; the Ansible tasks parse as YAML; both read only fields of the manifest schema.
 */
import { parse } from "yaml";
import { powershellErrors, readRepoFile, readsOf } from "./powershell";

const schema = JSON.parse(readRepoFile("scripts/bundle/manifest.schema.json"));
const manifestFields = Object.keys(schema.properties);
const caFields = Object.keys(schema.properties.trustedCaCertificates.items.properties);

/** The text of `function NAME ... }` at the start of a line (up to the first "}" alone on a line). */
const functionText = (script: string, name: string): string =>
  new RegExp(`^function ${name}\\b[\\s\\S]*?^}$`, "m").exec(script)?.[0] ?? "";

/** The .NET pattern of Get-MarkedSites, run here with JavaScript's RegExp (the same syntax for this pattern). */
const markedSites = (script: string) => {
  const pattern = /-match '([^']+)'/.exec(functionText(script, "Get-MarkedSites"))![1];
  return (friendlyName: string): string[] => {
    const m = new RegExp(pattern).exec(friendlyName);
    return m ? m.groups!.sites.split(", ") : [];
  };
};

describe("the client kit script", () => {
  const script = readRepoFile("scripts/clients/Install-XProtectRootCertificates.ps1");
  const installer = readRepoFile("scripts/bundle/Install-XProtectCertificate.ps1");

  test("parses with tree-sitter-powershell, and a broken copy does not", async () => {
    expect(await powershellErrors(script)).toEqual([]);
    expect(
      await powershellErrors(script.replace("if ($RemoveRetired) {", "if ($RemoveRetired {")),
    ).not.toEqual([]);
  });

  test("trusts in LocalMachine\\Root and marks each root with its site, read from the kit's site.txt", () => {
    expect(script).toMatch(/^#Requires -RunAsAdministrator$/m);
    expect(script).toMatch(/X509Store\('Root', 'LocalMachine'\)/);
    expect(script).toMatch(/\$root\.FriendlyName = \$label/);
    expect(script).toMatch(/\$label = Get-RootLabel \(@\(\$sites\) \+ \$site\) \$root/);
    expect(script).toMatch(/\$siteFile = Join-Path \$Path 'site\.txt'/);
    // The same marker, the same reading and writing of it as the server installer's.
    const marker = /\$RootMarker = '([^']+)'/;
    expect(script.match(marker)![1]).toBe(installer.match(marker)![1]);
    for (const f of ["Get-MarkedSites", "Get-RootLabel"]) {
      expect(functionText(script, f)).not.toBe("");
      expect(functionText(script, f)).toBe(functionText(installer, f));
    }
    expect(functionText(script, "Get-RootLabel")).toContain(
      "\"${RootMarker} [$(@($Sites | Sort-Object -Unique) -join ', ')]: $($Root.GetNameInfo('SimpleName', $false))\"",
    );
  });

  test.each([
    ["xprotect-certs site root [site]: VMS Certificate Authority", ["site"]],
    [
      "xprotect-certs site root [lab, org/xprotect/prod]: VMS Certificate Authority",
      ["lab", "org/xprotect/prod"],
    ],
    // Marked by an earlier version (no site), another tool's name, no name: no site.
    ["xprotect-certs site root: VMS Certificate Authority", []],
    ["VMS CA Certificate", []],
    ["", []],
  ])("the mark %j names the sites %j", (name, sites) => {
    expect(markedSites(script)(name)).toEqual(sites);
  });

  test("-RemoveRetired removes only roots marked with this site alone; other sites' and old marks stay", () => {
    const retire = script.slice(
      script.indexOf("if ($RemoveRetired) {"),
      script.indexOf("if ($WhatIfPreference)"),
    );
    const skip = retire.indexOf("if ($sites -notcontains $site) {");
    const others = retire.indexOf("if ($others.Count -gt 0) {");
    const remove = retire.indexOf("$store.Remove($old)");
    expect(retire).toContain("if ($listed -contains $old.Thumbprint) { continue }");
    expect(skip).toBeGreaterThan(0);
    // Roots not marked with this site: skipped (an old mark with a warning) before anything is changed.
    expect(retire.slice(skip, others)).toMatch(
      /Write-Warning "root .* marked by an earlier version, without its site: not removed/,
    );
    expect(retire.slice(skip, others)).toMatch(/continue\n    }\n/);
    // A root other sites are marked on keeps its trust: only the mark changes.
    expect(others).toBeGreaterThan(skip);
    expect(retire.slice(others, remove)).toMatch(/Set-RootLabel \$old\.Thumbprint \$label/);
    expect(retire.slice(others, remove)).toMatch(/\} elseif \(\$PSCmdlet\.ShouldProcess/);
    expect(remove).toBeGreaterThan(others);
    expect(retire.match(/\.Remove\(/g)).toHaveLength(1);
    // Nothing selects roots by the marker's prefix any more (that removed every site's roots).
    expect(script).not.toMatch(/FriendlyName -like "\$RootMarker\*"/);
  });

  test("runs under the default execution policy of client computers, as its help shows", () => {
    expect(script).toMatch(
      /^ {2}powershell\.exe -NoProfile -ExecutionPolicy Bypass -File \.\\Install-XProtectRootCertificates\.ps1 -RemoveRetired$/m,
    );
  });
});

describe("the CertificateDsc configuration", () => {
  const config = readRepoFile("scripts/bundle/XProtectCertificate.dsc.ps1");

  test("parses with tree-sitter-powershell", async () => {
    expect(await powershellErrors(config)).toEqual([]);
  });

  test("imports with PfxImport (not exportable) and CertificateImport, and grants the key read", () => {
    expect(config).toMatch(/PfxImport ServerCertificate \{[^}]*Exportable = \$false/);
    expect(config).toMatch(/CertificateImport "Root_/);
    expect(config).toContain("RSA\\\\MachineKeys', 'Keys'".replace(/\\\\/g, "\\"));
  });

  test("reads only manifest fields", () => {
    const reads = readsOf(config, "m");
    expect(reads).toEqual(
      expect.arrayContaining(["pfxFile", "pfxPassword", "thumbprint", "hostname", "serviceAccount"]),
    );
    for (const f of reads) expect(manifestFields).toContain(f);
    for (const f of readsOf(config, "ca")) expect(caFields).toContain(f);
  });
});

describe("the Ansible tasks", () => {
  const text = readRepoFile("scripts/bundle/ansible-task.yml");
  const tasks = parse(text) as Array<Record<string, unknown>>;
  const moduleOf = (t: Record<string, unknown>) => Object.keys(t).filter((k) => /^ansible\./.test(k));
  const install = tasks.find((t) => "block" in t)!;
  const block = (install?.block ?? []) as Array<Record<string, unknown>>;
  const always = (install?.always ?? []) as Array<Record<string, unknown>>;

  test("parse as YAML: named tasks of ansible.windows and builtin modules, the work in a block", () => {
    expect(Array.isArray(tasks)).toBe(true);
    for (const t of [...tasks.filter((t) => t !== install), ...block, ...always]) {
      expect(typeof t.name).toBe("string");
      expect(moduleOf(t)).toHaveLength(1);
    }
    expect(typeof install.name).toBe("string");
  });

  test("never import the PFX with win_certificate_store (it writes a new copy of the key at every run): the installer imports", () => {
    expect(JSON.stringify(tasks)).not.toContain("win_certificate_store"); // no task uses it (comments aside)
    const run = block.find((t) =>
      String(JSON.stringify(t)).includes("Install-XProtectCertificate.ps1 exit"),
    )!;
    const script = (run["ansible.windows.win_powershell"] as { script: string }).script;
    expect(script).toMatch(
      /powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "\$dir\\Install-XProtectCertificate\.ps1" -Manifest/,
    );
    expect(script).toMatch(/if \(\$LASTEXITCODE -ne 0\) \{ throw/);
    expect(run).toMatchObject({ become: true, become_user: "SYSTEM" });
  });

  test("copy into a folder only Administrators and SYSTEM can open, and remove it always, also when a task fails", async () => {
    const dir = (install.vars as Record<string, string>).xprotect_dir;
    expect(dir).toBe("C:\\ProgramData\\xprotect-certs\\bundle");
    const [acl, copy] = block;
    const aclScript = (acl["ansible.windows.win_powershell"] as { script: string }).script;
    expect(await powershellErrors(aclScript)).toEqual([]);
    expect(aclScript).toContain("$acl.SetAccessRuleProtection($true, $false)"); // nothing inherited from ProgramData
    expect(aclScript).toContain("foreach ($sid in 'S-1-5-32-544', 'S-1-5-18')"); // Administrators, SYSTEM
    expect(aclScript.match(/AddAccessRule/g)).toHaveLength(1);
    expect(aclScript).toMatch(/Set-Acl -LiteralPath \$dir -AclObject \$acl/);
    expect(copy["ansible.windows.win_copy"]).toMatchObject({ dest: "{{ xprotect_dir }}\\" });
    expect(copy.no_log).toBe(true);
    expect(always).toHaveLength(1);
    expect(always[0]["ansible.windows.win_file"]).toEqual({ path: "{{ xprotect_dir }}", state: "absent" });
  });

  test("read only manifest fields", () => {
    const reads = [...text.matchAll(/\bxprotect\.([A-Za-z]+)/g)].map((m) => m[1]);
    expect(reads).toEqual(expect.arrayContaining(["server"]));
    for (const f of reads) expect(manifestFields).toContain(f);
  });
});

test("the README shows the Ansible tasks and the DSC configuration exactly as they are in the repository", () => {
  const readme = readRepoFile("README.md");
  for (const file of ["scripts/bundle/ansible-task.yml", "scripts/bundle/XProtectCertificate.dsc.ps1"]) {
    expect({ file, shown: readme.includes(readRepoFile(file).trimEnd()) }).toEqual({ file, shown: true });
  }
});

describe("the README's PowerShell", () => {
  const readme = readRepoFile("README.md");
  const section = (title: string) => {
    const start = readme.indexOf(`\n### ${title}\n`);
    return readme.slice(start, readme.indexOf("\n### ", start + 1));
  };
  const blocks = (text: string) => [...text.matchAll(/```powershell\n([\s\S]*?)```/g)].map((m) => m[1]);
  const loop = blocks(section("The whole site"))[0] ?? "";

  test("every PowerShell block parses", async () => {
    const all = blocks(readme);
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const b of all) expect(await powershellErrors(b)).toEqual([]);
  });

  test("the site loop stops at the first failure, whichever way the installer fails, and keeps the bundle then", () => {
    const lines = loop.split("\n");
    const cleanup = loop.slice(loop.indexOf("} finally {"), loop.indexOf("} catch {"));
    // Every remoting step before the cleanup makes its errors terminating (a throw inside Invoke-Command is
    // otherwise a non-terminating error at the caller, and the loop goes on).
    const steps = lines.filter(
      (l) => /\b(New-PSSession|Invoke-Command|Copy-Item)\b/.test(l) && !cleanup.includes(l),
    );
    expect(steps.length).toBe(4);
    for (const l of steps) expect({ l, stop: l.includes("-ErrorAction Stop") }).toEqual({ l, stop: true });
    // The installer's exit code is checked (its own process: a throw there is exit 1), and any code but 0 fails.
    expect(loop).toMatch(
      /powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "\$dir\\Install-XProtectCertificate\.ps1"/,
    );
    expect(loop).toMatch(/\n {8}\$LASTEXITCODE\n/);
    expect(loop).toContain('if ($code -ne 0) { throw "the installer ended with exit code $code" }');
    // The first failure ends the loop, naming the server; the local bundle is removed only after the loop
    // went through, behind a throw when anything failed.
    expect(loop).toMatch(
      /\} catch \{\n\s+\$failed = "\$server \(\$hostname\): \$\(\$_\.Exception\.Message\)"\n\s+break\n/,
    );
    const removeBundle = loop.indexOf("Remove-Item -Recurse -Force $bundle");
    expect(removeBundle).toBeGreaterThan(loop.lastIndexOf("if ($failed) {\n  throw"));
    expect(loop.match(/Remove-Item -Recurse -Force \$bundle/g)).toHaveLength(1);
    expect(loop.slice(0, loop.lastIndexOf("if ($failed)"))).not.toContain(
      "Remove-Item -Recurse -Force $bundle",
    );
    // The server's copy goes whatever happens, from a folder only Administrators and SYSTEM can open.
    expect(cleanup).toContain("Remove-Item -LiteralPath $using:remote -Recurse -Force");
    expect(loop).toContain("$acl.SetAccessRuleProtection($true, $false)");
    expect(loop).toContain("foreach ($sid in 'S-1-5-32-544', 'S-1-5-18')");
  });

  test("the scripts are started so that the default execution policy does not refuse them", () => {
    const runs = [...readme.matchAll(/^.*\.\\Install-XProtect\w+\.ps1.*$/gm)].map((m) => m[0]);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const line of runs) {
      expect({
        line,
        bypass: /powershell\.exe -NoProfile -ExecutionPolicy Bypass -File \.\\Install-XProtect\w+\.ps1/.test(
          line,
        ),
      }).toEqual({
        line,
        bypass: true,
      });
    }
  });
});

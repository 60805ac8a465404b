/**
 * What deployment tools run, checked without Windows: the client kit's script and the DSC configuration parse
 * with a real PowerShell grammar; the Ansible tasks parse as YAML; both read only fields of the manifest schema.
 */
import { parse } from "yaml";
import { powershellErrors, readRepoFile, readsOf } from "./powershell";

const schema = JSON.parse(readRepoFile("scripts/bundle/manifest.schema.json"));
const manifestFields = Object.keys(schema.properties);
const caFields = Object.keys(schema.properties.trustedCaCertificates.items.properties);

describe("the client kit script", () => {
  const script = readRepoFile("scripts/clients/Install-XProtectRootCertificates.ps1");

  test("parses with tree-sitter-powershell, and a broken copy does not", async () => {
    expect(await powershellErrors(script)).toEqual([]);
    expect(
      await powershellErrors(script.replace("if ($RemoveRetired) {", "if ($RemoveRetired {")),
    ).not.toEqual([]);
  });

  test("trusts in LocalMachine\\Root, marks what it trusts, and removes only marked roots", () => {
    expect(script).toMatch(/^#Requires -RunAsAdministrator$/m);
    expect(script).toMatch(/X509Store\('Root', 'LocalMachine'\)/);
    expect(script).toMatch(/\$root\.FriendlyName = \$label/);
    expect(script).toMatch(
      /Where-Object \{ \$_\.FriendlyName -like "\$RootMarker\*" -and \$listed -notcontains \$_\.Thumbprint \}/,
    );
    // The same marker as the server installer, so that -RemoveRetired works on servers too.
    const marker = /\$RootMarker = '([^']+)'/;
    expect(script.match(marker)![1]).toBe(
      readRepoFile("scripts/bundle/Install-XProtectCertificate.ps1").match(marker)![1],
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

  test("parse as YAML: a list of named tasks of ansible.windows and builtin modules", () => {
    expect(Array.isArray(tasks)).toBe(true);
    for (const t of tasks) {
      expect(typeof t.name).toBe("string");
      const modules = Object.keys(t).filter((k) => /^ansible\./.test(k));
      expect(modules).toHaveLength(1);
    }
    const stores = tasks.filter((t) => "ansible.windows.win_certificate_store" in t);
    expect(
      stores.map((t) => (t["ansible.windows.win_certificate_store"] as Record<string, unknown>).store_name),
    ).toEqual(["Root", "My"]);
    expect(stores[1]["ansible.windows.win_certificate_store"]).toMatchObject({
      key_exportable: false,
      key_storage: "machine",
      store_location: "LocalMachine",
    });
  });

  test("read only manifest fields", () => {
    const reads = [...text.matchAll(/\bxprotect\.([A-Za-z]+)/g)].map((m) => m[1]);
    expect(reads).toEqual(
      expect.arrayContaining(["pfxFile", "pfxPassword", "trustedCaCertificates", "server"]),
    );
    for (const f of reads) expect(manifestFields).toContain(f);
    const itemReads = [...text.matchAll(/\bitem\.([A-Za-z]+)/g)]
      .map((m) => m[1])
      .filter((f) => !["src", "dest"].includes(f));
    expect(itemReads).toEqual(expect.arrayContaining(["file", "thumbprint"]));
    for (const f of itemReads) expect(caFields).toContain(f);
  });
});

test("the README shows the Ansible tasks and the DSC configuration exactly as they are in the repository", () => {
  const readme = readRepoFile("README.md");
  for (const file of ["scripts/bundle/ansible-task.yml", "scripts/bundle/XProtectCertificate.dsc.ps1"]) {
    expect({ file, shown: readme.includes(readRepoFile(file).trimEnd()) }).toEqual({ file, shown: true });
  }
});

/**
 * The installer's step for a certificate an enterprise CA signed (issuer external): the manifest's intermediate
 * CAs go into LocalMachine\CA (never Root: the enterprise root is the domain's, through Group Policy), each
 * checked against its DER, only through ShouldProcess, and a manifest without them (every site-root server) is
 * read under StrictMode 2.0 without touching the missing property. Checked on the script's text: no Windows here.
 */
import { powershellErrors, readRepoFile, readsOf } from "./powershell";

const script = readRepoFile("scripts/bundle/Install-XProtectCertificate.ps1");
const schema = JSON.parse(readRepoFile("scripts/bundle/manifest.schema.json"));
const start = script.indexOf("# --- 1b. Intermediate CAs");
const end = script.indexOf("# --- 2.", start);
const step = script.slice(start, end);

test("the step exists, between trusting the roots and adding the server certificate, and parses", async () => {
  expect(start).toBeGreaterThan(script.indexOf("# --- 1. Trust the roots"));
  expect(end).toBeGreaterThan(start);
  expect(await powershellErrors(step)).toEqual([]);
});

test("reads intermediateCaCertificates only when the manifest has it (StrictMode 2.0 refuses a missing property)", () => {
  expect(script).toMatch(/^Set-StrictMode -Version 2\.0$/m);
  const reads = step.split("\n").filter((l) => l.includes("$m.intermediateCaCertificates"));
  expect(reads).toEqual([
    "if ($m.PSObject.Properties['intermediateCaCertificates']) { $intermediates = @($m.intermediateCaCertificates) }",
  ]);
});

test("adds each to LocalMachine\\CA, through ShouldProcess, after checking its thumbprint; never to Root", () => {
  expect(step).toMatch(/\$issuing\.Thumbprint -ne \$ca\.thumbprint\) \{ throw /);
  expect(step).toMatch(
    /elseif \(\$PSCmdlet\.ShouldProcess\('LocalMachine\\CA', [^\n]*\)\) \{\n\s+\$store = Open-Store 'CA' 'ReadWrite'\n\s+\$store\.Add\(\$issuing\)/,
  );
  expect(step).not.toMatch(/Open-Store 'Root'/);
  expect(step.match(/\.Add\(/g)).toHaveLength(1);
});

test("every field it reads of an intermediate is in the manifest schema", () => {
  const item = schema.properties.intermediateCaCertificates.items;
  const reads = readsOf(step, "ca");
  expect(reads).toEqual(["certificateDer", "thumbprint"]);
  for (const f of reads) expect(Object.keys(item.properties)).toContain(f);
  expect(item.required).toEqual(["thumbprint", "certificateDer"]);
});

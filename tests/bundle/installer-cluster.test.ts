/**
 * The installer on a node of a clustered management server, checked on the tree tree-sitter-powershell parses (it
 * cannot run here: no Windows, no IIS, no identity provider): the appsettings.json edit sets
 * DataProtectionSettings.ProtectKeysWithCertificate.Thumbprint on the parsed settings and writes them back whole,
 * after a copy of the file, and only when the thumbprint is not there yet; the identity provider's key is granted
 * to a configurable account defaulting to NetworkService; -RemoveReplaced never removes an identity provider
 * certificate; every manifest field it reads is in the schema.
 */
import type { Node, Tree } from "web-tree-sitter";
import { parsePowershell, readRepoFile, readsOf } from "./powershell";

const script = readRepoFile("scripts/bundle/Install-XProtectCertificate.ps1");
const schema = JSON.parse(readRepoFile("scripts/bundle/manifest.schema.json"));

let tree: Tree;
beforeAll(async () => {
  tree = await parsePowershell(script);
});
afterAll(() => tree.delete());

const all = (n: Node, type: string): Node[] => n.descendantsOfType(type).filter((x): x is Node => x !== null);
const fn = (name: string): Node => {
  const found = all(tree.rootNode, "function_statement").filter(
    (f) => f.children.find((c) => c?.type === "function_name")?.text === name,
  );
  expect(found).toHaveLength(1);
  return found[0];
};
/** The commands called in `n`, in order, as [name, the text of their arguments]. */
const commands = (n: Node): Array<{ name: string; args: string; node: Node }> =>
  all(n, "command").map((c) => ({
    name: c.children.find((x) => x?.type === "command_name")?.text ?? "",
    args: (c.children.find((x) => x?.type === "command_elements")?.text ?? "").trim(),
    node: c,
  }));
/** `[Type]::Member(...)` calls in `n`. */
const staticCalls = (n: Node, type: string, member: string): Node[] =>
  all(n, "invokation_expression").filter(
    (i) =>
      i.children.find((c) => c?.type === "type_literal")?.text === type &&
      i.children.find((c) => c?.type === "member_name")?.text === member,
  );
/** The statement list a node sits in directly (its nearest one). */
const ownList = (n: Node): Node | null => {
  let p = n.parent;
  while (p && p.type !== "statement_list") p = p.parent;
  return p;
};
/** The top statement list of a function's body. */
const body = (f: Node): Node => all(f, "statement_list")[0];

describe("Set-IdentityProviderThumbprint: the appsettings.json edit", () => {
  test("creates DataProtectionSettings, then ProtectKeysWithCertificate in it, then sets Thumbprint in that", () => {
    const adds = commands(fn("Set-IdentityProviderThumbprint")).filter((c) => c.name === "Add-Member");
    const named = adds.map((a) => /-NotePropertyName '([^']+)'/.exec(a.args)?.[1]);
    expect(named).toEqual(["DataProtectionSettings", "ProtectKeysWithCertificate", "Thumbprint"]);
    // Each one into the object made by the one before: the pipeline's input, as parsed.
    const input = (a: { node: Node }) => a.node.parent!.children[0]!.text;
    expect(adds.map(input)).toEqual([
      "$settings",
      "$dataProtection",
      "$dataProtection.ProtectKeysWithCertificate",
    ]);
    expect(script).toMatch(/\$dataProtection = \$settings\.DataProtectionSettings\n/);
    // Thumbprint: the value passed in, replacing any value there (-Force), never an empty object.
    expect(adds[2].args).toMatch(/-NotePropertyValue \$Thumbprint -Force$/);
    expect(adds[0].args).toMatch(/-NotePropertyValue \(\[pscustomobject\]@\{\}\) -Force$/);
  });

  test("reads the file as JSON and writes the whole settings object back (other settings kept)", () => {
    const f = fn("Set-IdentityProviderThumbprint");
    const [read] = staticCalls(f, "[IO.File]", "ReadAllText");
    let chain: Node | null = read;
    while (chain && chain.type !== "pipeline_chain") chain = chain.parent;
    expect(chain!.text).toMatch(/\[IO\.File\]::ReadAllText\(\$Path\) \| ConvertFrom-Json$/);
    const writes = staticCalls(f, "[IO.File]", "WriteAllText");
    expect(writes).toHaveLength(1);
    const args = all(writes[0], "argument_expression").map((a) => a.text);
    expect(args[0]).toBe("$Path");
    expect(args[1]).toMatch(/^\(\$settings \| ConvertTo-Json -Depth (\d+)\)$/);
    expect(Number(/-Depth (\d+)/.exec(args[1])![1])).toBeGreaterThanOrEqual(20);
    expect(args[2]).toBe("(New-Object System.Text.UTF8Encoding($false))"); // no byte-order mark
  });

  test("writes a copy of the file beside it first, unconditionally once it changes anything", () => {
    const f = fn("Set-IdentityProviderThumbprint");
    const copies = commands(f).filter((c) => c.name === "Copy-Item");
    expect(copies).toHaveLength(1);
    expect(copies[0].args).toMatch(/^-LiteralPath \$Path -Destination \$backup$/);
    expect(script).toMatch(
      /\$backup = "\$Path\.\$\(\(Get-Date\)\.ToUniversalTime\(\)\.ToString\('yyyyMMddTHHmmssZ'\)\)\.bak"/,
    );
    const [write] = staticCalls(f, "[IO.File]", "WriteAllText");
    expect(copies[0].node.startIndex).toBeLessThan(write.startIndex);
    // Both at the top of the function's body (not inside a branch): no write without its copy.
    expect(ownList(copies[0].node)!.id).toBe(body(f).id);
    expect(ownList(write)!.id).toBe(body(f).id);
  });

  test("idempotent: returns before any write when the thumbprint is set already", () => {
    const f = fn("Set-IdentityProviderThumbprint");
    const early = all(f, "if_statement").find((i) =>
      /^if \(\(Get-ProtectingThumbprint \$settings\) -eq \$Thumbprint\) \{ return \$false \}$/.test(i.text),
    );
    expect(early).toBeDefined();
    const firstChange = Math.min(
      ...commands(f)
        .filter((c) => c.name === "Add-Member" || c.name === "Copy-Item")
        .map((c) => c.node.startIndex),
    );
    expect(early!.startIndex).toBeLessThan(firstChange);
    // The check reads the same path it writes.
    const get = fn("Get-ProtectingThumbprint").text;
    const order = ["'DataProtectionSettings'", "'ProtectKeysWithCertificate'", "'Thumbprint'"].map((k) =>
      get.indexOf(k),
    );
    expect(order.every((i, n) => i > 0 && (n === 0 || i > order[n - 1]))).toBe(true);
  });

  test("is called only through ShouldProcess, with the identity provider's thumbprint from the manifest", () => {
    const calls = commands(tree.rootNode).filter((c) => c.name === "Set-IdentityProviderThumbprint");
    expect(calls.map((c) => c.args)).toEqual(["$settingsPath $idp.thumbprint"]);
    // Some enclosing if or elseif has ShouldProcess in its condition.
    const conditions: string[] = [];
    for (let p: Node | null = calls[0].node.parent; p; p = p.parent) {
      if (p.type === "if_statement" || p.type === "elseif_clause")
        conditions.push(p.children.find((c) => c?.type === "pipeline")?.text ?? "");
    }
    expect(conditions.some((c) => c.startsWith("$PSCmdlet.ShouldProcess($settingsPath,"))).toBe(true);
  });
});

describe("a cluster node's identity provider certificate", () => {
  test("its key is granted to -IdentityProviderAccount, NT AUTHORITY\\NETWORK SERVICE unless given", () => {
    expect(script).toMatch(/\[string\] \$IdentityProviderAccount = 'NT AUTHORITY\\NETWORK SERVICE'/);
    expect(script).toMatch(/\$idpSid = Get-AccountSid \$IdentityProviderAccount\n/);
    expect(script).toMatch(
      /\$idpKeyFile = Get-KeyFile \$idpCert\n(?:.*\n){1,8}\s+\$acl\.AddAccessRule\(\(New-Object System\.Security\.AccessControl\.FileSystemAccessRule\(\$idpSid, 'Read', 'Allow'\)\)\)/,
    );
  });

  test("-RemoveReplaced skips every identity provider certificate before removing anything", () => {
    const loop = all(tree.rootNode, "foreach_statement").find((f) =>
      /^foreach \(\$t in @\(Read-Replaced\)\)/.test(f.text),
    )!;
    const skip = all(loop, "if_statement").find((i) =>
      /^if \(\$identityProviderCertificates -contains \$t\)/.test(i.text),
    );
    expect(skip?.text).toMatch(/continue\n\s+\}$/);
    const remove = loop.text.indexOf("$store.Remove($old)");
    expect(remove).toBeGreaterThan(0);
    expect(skip!.startIndex - loop.startIndex).toBeLessThan(remove);
    expect(script).toMatch(/\$identityProviderCertificates = @\(Read-IdentityProviderCertificates\)\n/);
  });

  test("says what the vendor asks next: fail over once, re-enter the external identity provider's client secret", () => {
    expect(script).toMatch(
      /Write-Host "Next, as the vendor asks .*fail over once.*re-enter its client secret\."/,
    );
  });

  test("reads only identityProvider fields the manifest schema defines", () => {
    const reads = readsOf(script, "idp");
    expect(reads).toEqual(["notAfter", "pfxFile", "pfxPassword", "thumbprint"]);
    for (const f of reads) expect(Object.keys(schema.properties.identityProvider.properties)).toContain(f);
    for (const f of ["clusterName", "clusterNodes", "identityProvider"]) {
      expect(readsOf(script, "m")).toContain(f);
      expect(Object.keys(schema.properties)).toContain(f);
    }
  });
});

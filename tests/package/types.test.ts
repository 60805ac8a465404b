/**
 * The package's declarations as a user's program compiles them: the tsconfig of `pulumi new typescript` (strict,
 * no skipLibCheck) against dist/provider/index.d.ts, the file package.json's `types` names. Outputs are accepted
 * wherever a value may come from another resource (unions included), refused where the site needs plain data;
 * the root exports what a program needs and not the internals; every public field is documented.
 */
import * as path from "node:path";
import * as ts from "typescript";

const REPO = path.join(__dirname, "../..");
const TYPES = path.join(REPO, "dist/provider/index.d.ts");
const PROGRAM = path.join(REPO, "user-program.ts"); // in memory only

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  noFallthroughCasesInSwitch: true,
  noImplicitReturns: true,
  forceConsistentCasingInFileNames: true,
  noEmit: true,
  baseUrl: REPO,
  paths: { "xprotect-certs": [TYPES] },
};

let previous: ts.Program | undefined;

/** Compiles `source` as the user's index.ts; returns the program and its diagnostics as text. */
function compile(source: string): { program: ts.Program; errors: string[] } {
  const host = ts.createCompilerHost(OPTIONS);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.readFile = (f) => (path.resolve(f) === PROGRAM ? source : read(f));
  host.fileExists = (f) => path.resolve(f) === PROGRAM || exists(f);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, v, onError, create) =>
    path.resolve(f) === PROGRAM
      ? ts.createSourceFile(f, source, v, true)
      : getSourceFile(f, v, onError, create);
  // Each compile reuses the previous one's declarations (@pulumi/pulumi's are most of the work).
  const program = ts.createProgram([PROGRAM], OPTIONS, host, previous);
  previous = program;
  // Each error led by the word it is reported at in the program (a property's name), e.g. "role: Type ...".
  const errors = ts.getPreEmitDiagnostics(program).map((d) => {
    const at =
      d.file && path.resolve(d.file.fileName) === PROGRAM ? /^\w+/.exec(source.slice(d.start))?.[0] : "";
    return `${at}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
  return { program, errors };
}

test("outputs fit every field a value may come from another resource, unions included", () => {
  const { errors } = compile(`
import * as pulumi from "@pulumi/pulumi";
import {
  CaCertificate, KeyRotation, ServerCertificate, SiteConfigError, SlotBinding, XProtectSite, XProtectSiteArgs,
} from "xprotect-certs";
const name: pulumi.Output<string> = pulumi.output("rec01.vms.example.local");
const yes: pulumi.Output<boolean> = pulumi.output(true);
const rotation: pulumi.Output<KeyRotation> = pulumi.output<KeyRotation>("never");
const args: XProtectSiteArgs = {
  ca: { commonName: name, rsaBits: pulumi.output<3072>(3072), generation: 0 },
  defaults: { includeChain: yes, autoRenew: yes, keyRotation: rotation, pfxProfile: pulumi.output<"legacy-3des">("legacy-3des") },
  servers: {
    rec01: { role: "recordingServer", hostname: name, dnsNames: [name, "x.example.local"], ipAddresses: name.apply((n) => [n]), slots: ["server"] },
  },
};
export const site = new XProtectSite("s", args);
const ca = new CaCertificate("ca", {});
export const cert = new ServerCertificate("c", {
  ca, dnsNames: [name], includeChain: yes, autoRenew: yes, keyRotation: rotation,
  rsaBits: pulumi.output<2048>(2048), pfxProfile: pulumi.output<"modern-aes256">("modern-aes256"),
});
export const slots: pulumi.Output<SlotBinding[]> = site.bindings.rec01.slots;
export const isSiteError = (e: unknown): boolean => e instanceof SiteConfigError;
`);
  expect(errors).toEqual([]);
});

test("the fields that decide which resources exist stay plain, and the internals are not exported", () => {
  const { errors } = compile(`
import * as pulumi from "@pulumi/pulumi";
import { XProtectSite } from "xprotect-certs";
new XProtectSite("s", {
  ca: { generation: pulumi.output(1) },
  servers: { rec01: { role: pulumi.output("recordingServer"), hostname: "h", slots: pulumi.output(["server"]) } },
});
new XProtectSite("t", { servers: { rec01: { role: "recordingServer", hostname: "h", rsaBits: pulumi.output(1024) } } });
export { pki, UNKNOWN, THUMBPRINT, ISO_TIME } from "xprotect-certs";
`);
  const has = (re: RegExp) => errors.some((e) => re.test(e));
  expect(has(/^generation: Type 'OutputInstance<number>' is not assignable to type 'number'/)).toBe(true);
  expect(has(/^role: Type 'Output<string>' is not assignable/)).toBe(true);
  expect(has(/^slots: Type 'Output<.*' is not assignable/)).toBe(true);
  // A union field takes an output, but not one of a value outside the union.
  expect(
    has(/^rsaBits: Type 'OutputInstance<1024>' is not assignable to type 'Input<2048 \| 3072 \| 4096>/),
  ).toBe(true);
  expect(errors).toHaveLength(8);
  for (const internal of ["pki", "UNKNOWN", "THUMBPRINT", "ISO_TIME"]) {
    expect(has(new RegExp(`has no exported member '${internal}'`))).toBe(true);
  }
});

test("every public field of the Args, the resources' and the component's outputs has a doc comment", () => {
  const { program, errors } = compile(`export * from "xprotect-certs";`);
  expect(errors).toEqual([]);
  const checker = program.getTypeChecker();
  const root = checker.getSymbolAtLocation(program.getSourceFile(TYPES)!)!;
  const exported = new Map(checker.getExportsOfModule(root).map((s) => [s.name, s]));
  const ours = (d: ts.Declaration) =>
    path.resolve(d.getSourceFile().fileName).startsWith(path.join(REPO, "dist"));
  const undocumented: string[] = [];
  const names = [
    "CaCertificateArgs",
    "ServerCertificateArgs",
    "CertificateBindingArgs",
    "XProtectSiteArgs",
    "XProtectSiteCa",
    "XProtectServer",
    "XProtectServerSettings",
    "XProtectSiteAdoption",
    "CaCertificate",
    "ServerCertificate",
    "CertificateBinding",
    "XProtectSite",
    "ServerOutput",
    "SlotOutput",
    "TrustedCaCertificate",
    "SlotBinding",
  ];
  for (const name of names) {
    let symbol = exported.get(name);
    expect(symbol).toBeDefined();
    if (symbol!.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol!);
    const type = checker.getDeclaredTypeOfSymbol(symbol!);
    for (const p of checker.getPropertiesOfType(type)) {
      const decls = (p.getDeclarations() ?? []).filter(ours);
      if (decls.length === 0) continue; // Pulumi's own (urn, id, ...)
      const isPrivate = decls.some((d) => ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Private);
      if (isPrivate) continue;
      if (ts.displayPartsToString(p.getDocumentationComment(checker)).trim() === "") {
        undocumented.push(`${name}.${p.name}`);
      }
    }
  }
  expect(undocumented).toEqual([]);
});

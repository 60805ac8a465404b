/**
 * How the engine's provider process finds the runtime: by the package's name through package.json's `exports`
 * (Node's self-reference inside this repository, node_modules in a user's project), never by looking for a
 * dist/ folder above its working folder. Loaded exactly as the dynamic-provider host loads `__provider` texts
 * (require-from-string, whose module has no file name, in the process's working folder).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { providerModule, ProviderKind } from "../../provider/dynamic";

const REPO = path.join(__dirname, "../..");
const requireFromString: (code: string) => { handler: () => Record<string, unknown> } = require(
  require.resolve("require-from-string", {
    paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))],
  }),
);

/** Loads a `__provider` text with the process in `cwd`, as the provider process does. */
function loadIn(cwd: string, text: string): Record<string, unknown> {
  const saved = process.cwd();
  process.chdir(cwd);
  try {
    return requireFromString(text).handler();
  } finally {
    process.chdir(saved);
  }
}

const KINDS: ProviderKind[] = ["ca", "server", "binding"];
const RUNTIME_FILE = path.join(REPO, "dist/provider/runtime/index.js");
/** Node's own module cache (jest's require has a registry of its own). */
const nativeCache = (require("node:module") as { _cache: Record<string, { exports: unknown }> })._cache;
/** The provider object of `kind` from the runtime file Node loaded, if it loaded it. */
const loadedRuntime = (kind: ProviderKind): unknown =>
  (nativeCache[RUNTIME_FILE]?.exports as { providers?: Record<string, unknown> } | undefined)?.providers?.[
    kind
  ];

let base: string;
beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), "xprotect-resolve-"));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

test.each(KINDS)(
  "%s: inside the repository, by self-reference (from the root and from dist/stacks)",
  (kind) => {
    for (const cwd of [REPO, path.join(REPO, "dist/stacks")]) {
      const provider = loadIn(cwd, providerModule(kind));
      expect(provider).toBe(loadedRuntime(kind));
      expect(typeof provider.create).toBe("function");
    }
  },
);

test("in a project that installed the package, from node_modules; a dist/ above it is never used", () => {
  // A monorepo whose root has a dist/provider/runtime/index.js of its own (the reported failure), and a
  // Pulumi project inside it with the package installed (linked here).
  const monorepo = path.join(base, "monorepo");
  mkdirSync(path.join(monorepo, "dist/provider/runtime"), { recursive: true });
  writeFileSync(
    path.join(monorepo, "dist/provider/runtime/index.js"),
    "exports.providers = { decoy: true };",
  );
  const project = path.join(monorepo, "infra/site");
  mkdirSync(path.join(project, "node_modules"), { recursive: true });
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "site", private: true }));
  symlinkSync(REPO, path.join(project, "node_modules/xprotect-certs"), "junction");

  const provider = loadIn(project, providerModule("server"));
  expect(typeof provider.create).toBe("function");
  expect(provider.decoy).toBeUndefined();

  // The loader of states made before the package (commit 584e7a6) takes the decoy: why it was replaced.
  const fixture = readFileSync(path.join(__dirname, "../fixtures/upgrade-584e7a6/state.json"), "utf8");
  const old = (
    JSON.parse(fixture).deployment.resources as Array<{ type: string; outputs?: { __provider?: string } }>
  ).find((r) => r.type.endsWith(":ServerCertificate"))!.outputs!.__provider!;
  expect(() => loadIn(project, old)).not.toThrow();
  expect(loadIn(project, old)).toBeUndefined(); // { decoy: true }.server
});

test("without the package, Node's error names the package and the folder", () => {
  const empty = path.join(base, "empty");
  mkdirSync(empty);
  expect(() => loadIn(empty, providerModule("ca"))).toThrow(
    /Cannot find module 'xprotect-certs\/runtime'[\s\S]*xprotect-resolve-[^/]*\/empty\//,
  );
});

test("states made before the package keep loading: their loader still finds the runtime in this repository", () => {
  const fixture = JSON.parse(
    readFileSync(path.join(__dirname, "../fixtures/upgrade-584e7a6/state.json"), "utf8"),
  );
  const texts = new Map<string, string>();
  for (const r of fixture.deployment.resources as Array<{
    type: string;
    outputs?: { __provider?: string };
  }>) {
    const kind = { CaCertificate: "ca", ServerCertificate: "server", CertificateBinding: "binding" }[
      r.type.split(":").pop()!
    ];
    if (kind && r.outputs?.__provider) texts.set(kind, r.outputs.__provider);
  }
  expect([...texts.keys()].sort()).toEqual(["binding", "ca", "server"]);
  for (const [kind, text] of texts) {
    const provider = loadIn(path.join(REPO, "dist/stacks"), text);
    expect(provider).toBe(loadedRuntime(kind as ProviderKind));
    expect(typeof provider.create).toBe("function");
  }
  // Its fallback, the package's own path, is still exported (resolved by Node, as in the provider process).
  const resolveOld =
    'exports.handler=function(){return require("module").createRequire(process.cwd()+"/")' +
    '.resolve("xprotect-certs/dist/provider/runtime/index.js")}';
  expect(loadIn(REPO, resolveOld)).toBe(RUNTIME_FILE);
});

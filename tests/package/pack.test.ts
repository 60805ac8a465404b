/**
 * What `npm pack` puts in the package: exactly what a program needs (compiled JS and type declarations of
 * provider/ and of the site config checks it uses, README, LICENSE, the JSON Schema of the outputs, the Windows
 * installer and the client trust script) and the package's command (`bin`: the compiled bundle and renewals
 * commands and the engine modules they read a stack with), and nothing else: no sources, tests, tools, source
 * maps or the repository's other scripts.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const REPO = path.join(__dirname, "../..");

/** Every .ts in a source folder (not below it), as its compiled .js in dist/. */
const compiledJs = (dir: string): string[] =>
  readdirSync(path.join(REPO, dir))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `dist/${dir}/${f.slice(0, -3)}.js`);

/** Every .ts under a source folder, as its compiled .js and .d.ts in dist/. */
function compiled(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...compiled(rel));
    else if (e.name.endsWith(".ts")) {
      const base = `dist/${rel.slice(0, -3)}`;
      out.push(`${base}.js`, `${base}.d.ts`);
    }
  }
  return out;
}

test("npm pack --dry-run lists only what a user needs", () => {
  // --ignore-scripts: `npm test` has built dist/ already (prepare would build it again).
  const json = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "--silent"], {
    cwd: REPO,
    encoding: "utf8",
  });
  const files = (JSON.parse(json) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
  const expected = [
    "package.json",
    "README.md",
    "LICENSE",
    "stacks/outputs.schema.json",
    "scripts/bundle/Install-XProtectCertificate.ps1",
    "scripts/bundle/manifest.schema.json",
    "scripts/clients/Install-XProtectRootCertificates.ps1",
    ...compiled("provider"),
    ...["bin", "bundle", "renewals", "common"].flatMap((d) => compiledJs(`scripts/${d}`)),
    "dist/scripts/bundle/manifest.schema.json", // compiled in by the bundle's manifest check
    ...["passphrase", "project", "workspace", "pulumi-binary"].map((f) => `dist/scripts/engine/${f}.js`),
  ];
  expect([...files].sort()).toEqual([...expected].sort());
});

test("every relative require of a packed module names a packed file (a module left out breaks the command)", () => {
  const json = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "--silent"], {
    cwd: REPO,
    encoding: "utf8",
  });
  const files = new Set(
    (JSON.parse(json) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path),
  );
  const missing: string[] = [];
  for (const file of [...files].filter((f) => f.endsWith(".js"))) {
    const text = readFileSync(path.join(REPO, file), "utf8");
    for (const m of text.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]));
      const candidates = [target, `${target}.js`, `${target}.json`, `${target}/index.js`];
      if (!candidates.some((c) => files.has(c))) missing.push(`${file} requires ${m[1]}`);
    }
  }
  expect(missing).toEqual([]);
});

test("the package's bin is a compiled command that npm links as `xprotect-certs`", () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as {
    bin: Record<string, string>;
  };
  expect(Object.keys(pkg.bin)).toEqual(["xprotect-certs"]);
  const bin = readFileSync(path.join(REPO, pkg.bin["xprotect-certs"]), "utf8");
  expect(bin.startsWith("#!/usr/bin/env node\n")).toBe(true);
});

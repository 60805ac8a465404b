/**
 * The dynamic providers as the engine stores them. Pulumi serializes a provider into the state of every
 * resource that uses it (`__provider`) and runs it in a separate process, whose working directory is the folder
 * of Pulumi.yaml's `main` (for this repo, dist/stacks). So the serialized object is only a loader (capturing
 * nothing but the kind) that requires the compiled runtime: the nearest dist/provider/runtime above that
 * folder (this repository's), else the installed `xprotect-certs` package's.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";

export type ProviderKind = "ca" | "server" | "binding";

/** Where the compiled runtime is, relative to this package's root. */
export const RUNTIME_MODULE = "dist/provider/runtime/index.js";

const packageRoot = (): string => path.resolve(__dirname, __filename.endsWith(".ts") ? ".." : "../..");

/** Fails early, at program time, when the runtime was not built. */
export function assertRuntimeBuilt(): void {
  const file = path.join(packageRoot(), RUNTIME_MODULE);
  if (!fs.existsSync(file)) {
    throw new Error(`xprotect-certs: ${file} is missing: run "npm run build" (npm run up does it for you)`);
  }
}

/*
 * The engine stores this object's serialized text twice (inputs and outputs) in the state of every resource,
 * so it is kept short: no comments inside the functions, no `delete` (there is nothing outside the state to
 * delete, and the host skips a provider without one).
 */
function makeLoader(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  const load = (): Required<pulumi.dynamic.ResourceProvider> => {
    const { dirname, join } = require("path");
    for (let d = process.cwd(); d !== dirname(d); d = dirname(d)) {
      const f = join(d, "dist/provider/runtime/index.js");
      if (require("fs").existsSync(f)) return require(f).providers[kind];
    }
    return require("xprotect-certs/dist/provider/runtime/index.js").providers[kind];
  };
  return {
    check: (o, n) => load().check(o, n),
    diff: (i, o, n) => load().diff(i, o, n),
    create: (n) => load().create(n),
    update: (i, o, n) => load().update(i, o, n),
    read: (i, p) => load().read(i, p),
  };
}

const loaders = new Map<ProviderKind, pulumi.dynamic.ResourceProvider>();

/** One loader object per kind: Pulumi caches a provider's serialization by object, so it is done once. */
export function dynamicProvider(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  let p = loaders.get(kind);
  if (!p) {
    assertRuntimeBuilt();
    p = makeLoader(kind);
    loaders.set(kind, p);
  }
  return p;
}

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

function makeLoader(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  const load = (): pulumi.dynamic.ResourceProvider => {
    // The engine runs the provider in the folder of Pulumi.yaml's `main` (dist/stacks here): walk up to dist/.
    const path = require("path");
    const fs = require("fs");
    for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
      const file = path.join(dir, "dist", "provider", "runtime", "index.js");
      if (fs.existsSync(file)) return require(file).providers[kind];
      if (path.dirname(dir) === dir) break;
    }
    return require("xprotect-certs/dist/provider/runtime/index.js").providers[kind];
  };
  return {
    check: (olds, news) => load().check!(olds, news),
    diff: (id, olds, news) => load().diff!(id, olds, news),
    create: (inputs) => load().create(inputs),
    update: (id, olds, news) => load().update!(id, olds, news),
    read: (id, props) => load().read!(id, props),
    delete: (id, props) => load().delete!(id, props),
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

/**
 * How our resources reach the engine's dynamic-provider host. A dynamic resource is a custom resource of type
 * `pulumi-nodejs:dynamic/<module>:<type>` whose `__provider` input is the text of a CommonJS module; the host
 * loads that text (require-from-string, in the folder of Pulumi.yaml's `main`, dist/stacks for this repo) and
 * calls its `handler()` for the provider object.
 *
 * The engine stores that text twice (inputs and outputs) in the state of every resource, and rewrites the
 * whole state after every step of an `up`. So instead of Pulumi's closure serialization (about 2 KB per copy,
 * most of it per-method wrappers, and the TypeScript compiler at every program start) the module is written
 * here, by hand, at about 330 bytes: it requires the compiled runtime, the nearest dist/provider/runtime above
 * the provider process's folder (this repository's), else the installed `xprotect-certs` package's. Nothing is
 * captured but the provider's kind.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export type ProviderKind = "ca" | "server" | "binding";

/** Where the compiled runtime is, relative to this package's root. */
export const RUNTIME_MODULE = "dist/provider/runtime/index.js";

/** The module and type prefix the engine's dynamic-provider host serves. */
export const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic/xprotect-certs:";

const packageRoot = (): string => path.resolve(__dirname, __filename.endsWith(".ts") ? ".." : "../..");

/** Fails early, at program time, when the runtime was not built. */
export function assertRuntimeBuilt(): void {
  const file = path.join(packageRoot(), RUNTIME_MODULE);
  if (!fs.existsSync(file)) {
    throw new Error(`xprotect-certs: ${file} is missing: run "npm run build" (npm run up does it for you)`);
  }
}

/** The provider module's text for one kind of resource (what `__provider` holds). */
export function providerModule(kind: ProviderKind): string {
  return (
    `exports.handler=function(){var p=require("path"),f=require("fs"),d=process.cwd(),m;` +
    `for(;d!==p.dirname(d);d=p.dirname(d))if(f.existsSync(m=p.join(d,${JSON.stringify(RUNTIME_MODULE)})))` +
    `return require(m).providers.${kind};` +
    `return require("xprotect-certs/${RUNTIME_MODULE}").providers.${kind}};`
  );
}

/** Base of our three resources: a dynamic resource whose provider is {@link providerModule}. */
export abstract class XprotectResource extends pulumi.CustomResource {
  protected constructor(
    kind: ProviderKind,
    type: string,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions,
  ) {
    assertRuntimeBuilt();
    super(`${DYNAMIC_TYPE_PREFIX}${type}`, name, { ...props, __provider: providerModule(kind) }, opts);
  }
}

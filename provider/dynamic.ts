/**
 * How our resources reach the engine's dynamic-provider host. A dynamic resource is a custom resource of type
 * `pulumi-nodejs:dynamic/<module>:<type>` whose `__provider` input is the text of a CommonJS module; the host
 * loads that text (require-from-string, with no file name of its own, in the provider process's folder) and
 * calls its `handler()` for the provider object.
 *
 * The engine stores that text twice (inputs and outputs) in the state of every resource, and rewrites the
 * whole state after every step of an `up`. So instead of Pulumi's closure serialization (about 2 KB per copy,
 * most of it per-method wrappers, and the TypeScript compiler at every program start) the module is written
 * here, by hand, at about 130 bytes. It requires the compiled runtime by this package's name,
 * `xprotect-certs/runtime`, through the `exports` map of package.json, from the provider process's folder:
 * - in this repository (or any folder inside it) that is Node's self-reference: the nearest package.json is
 *   this package's, whose name and `exports` resolve it;
 * - in a program that installed the package, it is the ordinary lookup of `node_modules/xprotect-certs`.
 * Nothing else is searched: a `dist/` folder above the working folder (a monorepo, a fork) is never picked up.
 * Nothing is captured but the provider's kind.
 *
 * States made before this loader (up to commit 584e7a6) hold a loader that looks for
 * `dist/provider/runtime/index.js` above the working folder, else `xprotect-certs/dist/provider/runtime/index.js`;
 * the engine still runs it for the delete and read of such resources until their next update, so that file
 * stays where it is and package.json exports that path too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export type ProviderKind = "ca" | "server" | "binding" | "acmeAccount" | "public";

/** This package's name: what the provider module requires the runtime by. */
export const PACKAGE_NAME = "xprotect-certs";

/** The runtime's public specifier (package.json `exports` maps it to dist/provider/runtime/index.js). */
export const RUNTIME_SPECIFIER = `${PACKAGE_NAME}/runtime`;

/** Where the compiled runtime is, relative to this package's root (also what pre-package states name). */
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
  // createRequire needs a file name (a folder with a trailing separator) for self-reference to apply. When the
  // package is missing, Node's error names it and the folder ("Cannot find module 'xprotect-certs/runtime'
  // ... <folder>/noop.js"); a message of our own would cost its length twice in every resource's state.
  return (
    `exports.handler=function(){return require("module").createRequire(process.cwd()+"/")` +
    `(${JSON.stringify(RUNTIME_SPECIFIER)}).providers.${kind}};`
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

/**
 * A dynamic resource's outputs must be passed to its constructor as properties (set to undefined when no input
 * of the same name gives them a value): a key left out is never registered, and its output stays undefined
 * even when the provider returns it. This makes them from the names; each resource spreads it first, with
 * every output it declares, and its inputs after, so that an input left out still leaves its output's key.
 */
export const outputProps = (...names: string[]): Record<string, undefined> =>
  Object.fromEntries(names.map((n) => [n, undefined]));

/**
 * Inputs that hold secrets (passwords, adopted key material) are made secret here, whatever the caller passed:
 * the engine encrypts an input in the state only when it is marked secret.
 */
export const secretInput = (v: pulumi.Input<string> | undefined): pulumi.Output<string> | undefined =>
  v === undefined ? undefined : pulumi.secret(v);

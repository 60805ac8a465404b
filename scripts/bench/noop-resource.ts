/**
 * The engine floor's resource: a dynamic resource whose provider does nothing. Its serialized provider is a
 * small loader shaped like ours (provider/dynamic.ts): it finds dist/ above the provider process's folder and
 * requires the compiled noop-provider.js there, so that it weighs in the state about what ours does.
 */
import * as pulumi from "@pulumi/pulumi";

/*
 * Serialized into every resource's state: no comments inside the functions, nothing captured but `load`.
 */
function makeLoader(): pulumi.dynamic.ResourceProvider {
  const load = (): Required<pulumi.dynamic.ResourceProvider> => {
    const { dirname, join } = require("path");
    for (let d = process.cwd(); d !== dirname(d); d = dirname(d)) {
      const f = join(d, "dist/scripts/bench/noop-provider.js");
      if (require("fs").existsSync(f)) return require(f).noopProvider;
    }
    throw new Error("dist/scripts/bench/noop-provider.js not found above " + process.cwd());
  };
  return {
    check: (o, n) => load().check(o, n),
    diff: (i, o, n) => load().diff(i, o, n),
    create: (n) => load().create(n),
    update: (i, o, n) => load().update(i, o, n),
    read: (i, p) => load().read(i, p),
  };
}

/** One object for every resource: Pulumi serializes a provider once per object. */
let loader: pulumi.dynamic.ResourceProvider | undefined;

export class NoopResource extends pulumi.dynamic.Resource {
  public readonly value!: pulumi.Output<number>;

  constructor(name: string, value: number) {
    loader ??= makeLoader();
    super(loader, name, { value }, {}, "xprotect-certs", "BenchNoop");
  }
}

/** The floor's program: one do-nothing resource per server. */
export const floorProgram = (names: string[]) => async (): Promise<Record<string, unknown>> => {
  names.forEach((name, i) => new NoopResource(name, i));
  return {};
};

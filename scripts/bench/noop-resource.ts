/**
 * The engine floor's resource: a dynamic resource whose provider does nothing. Its `__provider` module is
 * written like ours (provider/dynamic.ts): it finds dist/ above the provider process's folder and requires the
 * compiled noop-provider.js there, so that it weighs in the state what ours does.
 */
import * as pulumi from "@pulumi/pulumi";

const NOOP_MODULE = "dist/scripts/bench/noop-provider.js";

/** The module text, shaped and sized like provider/dynamic.ts's providerModule. */
export const noopProviderModule =
  `exports.handler=function(){var p=require("path"),f=require("fs"),d=process.cwd(),m;` +
  `for(;d!==p.dirname(d);d=p.dirname(d))if(f.existsSync(m=p.join(d,${JSON.stringify(NOOP_MODULE)})))` +
  `return require(m).noopProvider;throw new Error("${NOOP_MODULE} not found above "+process.cwd())};`;

export class NoopResource extends pulumi.CustomResource {
  public readonly value!: pulumi.Output<number>;

  constructor(name: string, value: number) {
    super("pulumi-nodejs:dynamic/xprotect-certs:BenchNoop", name, {
      value,
      __provider: noopProviderModule,
    });
  }
}

/** The floor's program: one do-nothing resource per server. */
export const floorProgram = (names: string[]) => async (): Promise<Record<string, unknown>> => {
  names.forEach((name, i) => new NoopResource(name, i));
  return {};
};

/**
 * The do-nothing dynamic provider of the engine floor, loaded in the engine's provider process (compiled, from
 * dist/) by the loader of engine.ts (NoopResource), as ours loads dist/provider/runtime. It keeps one number and makes
 * nothing: what the engine spends on such resources is its own cost.
 */
import type * as pulumi from "@pulumi/pulumi";

type Props = Record<string, unknown>;

export const noopProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Props, news: Props) {
    return { inputs: { value: news.value } };
  },
  async diff(_id: string, olds: Props, news: Props) {
    return { changes: olds.value !== news.value };
  },
  async create(inputs: Props) {
    return { id: `noop-${String(inputs.value)}`, outs: { value: inputs.value } };
  },
  async update(_id: string, _olds: Props, news: Props) {
    return { outs: { value: news.value } };
  },
  async read(id: string, props: Props) {
    return { id, props };
  },
};

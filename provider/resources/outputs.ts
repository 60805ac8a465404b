import * as pulumi from "@pulumi/pulumi";

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

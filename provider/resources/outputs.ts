import * as pulumi from "@pulumi/pulumi";

/**
 * A dynamic resource's outputs must be passed to its constructor as properties set to undefined; this makes
 * them from the names, so that each resource lists its outputs once.
 */
export const outputProps = (...names: string[]): Record<string, undefined> =>
  Object.fromEntries(names.map((n) => [n, undefined]));

/**
 * Inputs that hold secrets (passwords, adopted key material) are made secret here, whatever the caller passed:
 * the engine encrypts an input in the state only when it is marked secret.
 */
export const secretInput = (v: pulumi.Input<string> | undefined): pulumi.Output<string> | undefined =>
  v === undefined ? undefined : pulumi.secret(v);

/**
 * The site program under Pulumi's mocks, for tests of what it registers: every registration is recorded (its
 * short type, name and inputs), and each resource's state is its inputs plus a thumbprint and notAfter.
 */
import * as pulumi from "@pulumi/pulumi";
import { siteOutputs } from "../../stacks";

export interface Registered {
  /** The type's last part, e.g. "ServerCertificate". */
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** Installs the mocks; returns the list they fill (emptied by each {@link runSiteWithConfig}). */
export async function recordingMocks(
  stack: string,
  notAfter = "2030-01-01T00:00:00.000Z",
): Promise<Registered[]> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type.split(":").pop()!, name: args.name, inputs: args.inputs });
        return { id: args.name, state: { ...args.inputs, thumbprint: "AB".repeat(20), notAfter } };
      },
      call: () => ({}),
    },
    "xprotect-certs",
    stack,
  );
  return registered;
}

/**
 * Runs the site program with config values as the engine gives them (each key's text; keys without a namespace
 * get "xprotect-certs:"), waits for every output, and returns the error it threw, or undefined.
 */
export async function runSiteWithConfig(
  registered: Registered[],
  config: Record<string, string>,
  secretKeys: string[] = [],
): Promise<Error | undefined> {
  registered.length = 0;
  const ns = (k: string) => (k.includes(":") ? k : `xprotect-certs:${k}`);
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [ns(k), v])),
    secretKeys.map(ns),
  );
  const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  try {
    const outputs = await siteOutputs();
    for (const v of Object.values(outputs))
      await new Promise((resolve) => (pulumi.output(v) as pulumi.Output<unknown>).apply(resolve));
    return undefined;
  } catch (e) {
    return e as Error;
  } finally {
    warn.mockRestore();
  }
}

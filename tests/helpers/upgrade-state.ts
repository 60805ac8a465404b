/** Reading `pulumi stack export` states in the upgrade tests (fixtures made by earlier mains). */
import type { Deployment } from "@pulumi/pulumi/automation";

export const DYNAMIC = "pulumi-nodejs:dynamic/xprotect-certs:";

export interface StateResource {
  urn: string;
  type: string;
  parent?: string;
  outputs?: Record<string, unknown>;
}

export const resources = (d: Deployment): StateResource[] =>
  (d.deployment as { resources: StateResource[] }).resources;

/** A resource's name without the site's prefix: the children of site "site" are named site-<server>. */
export const serverName = (urn: string): string =>
  urn
    .split("::")
    .pop()!
    .replace(/^site-/, "");

/**
 * Thumbprint and serial of every certificate, by server name; roots by their name too (`ca`, `ca-g1`), or all
 * under `rootKey` when given (a root whose resource name changes on upgrade).
 */
export const certs = (d: Deployment, rootKey?: string): Record<string, unknown[]> =>
  Object.fromEntries(
    resources(d)
      .filter((r) => r.type.startsWith(DYNAMIC) && r.type !== `${DYNAMIC}CertificateBinding`)
      .map((r) => [
        rootKey !== undefined && r.type === `${DYNAMIC}CaCertificate` ? rootKey : serverName(r.urn),
        [r.outputs?.thumbprint, r.outputs?.serialNumber],
      ]),
  );

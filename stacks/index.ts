/**
 * The site program: the `xprotect-certs:site` config becomes an XProtectSite (the CA, a certificate per server and
 * its binding), whose outputs are the stack's (contract: stacks/outputs.schema.json). Runs as the project's main
 * program (stacks/main.ts) or as an Automation API inline program (`npm run up`). A thin adapter: the component
 * (provider/site/) does the work.
 */
import * as pulumi from "@pulumi/pulumi";
import { SiteConfigError, XProtectSite } from "../provider/site";
import type { XProtectSiteArgs } from "../provider/site";
import { isRecord } from "../provider/contract";

export { CONTRACT_VERSION } from "../provider/site";
export type { ServerOutput } from "../provider/site";

/**
 * A config value exactly as the user set it (secrets decrypted), without Pulumi's secret-access warning. Text
 * values (passwords, PFX, PEM) are taken as written: `12345678` stays text, and quotes stay part of the value.
 */
function textConfig(key: string): string | undefined {
  return pulumi.runtime.getConfig(`xprotect-certs:${key}`);
}

/** A structured config value (a map written in the stack file or with `config set --path`), parsed. */
function structuredConfig(key: string): unknown {
  const text = textConfig(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export { SiteConfigError };

/**
 * The program as the engine runs it (`npm run up`, a plain `pulumi up`): {@link siteOutputs}, with config problems
 * reported once, as one error diagnostic listing them all, and no stack trace. The run then fails with a short
 * RunError (a failed program never deletes what the stack has; a program that returned normally would).
 */
export async function siteProgram(): Promise<Record<string, unknown>> {
  try {
    return await siteOutputs();
  } catch (e) {
    if (!(e instanceof SiteConfigError)) throw e;
    await pulumi.log.error(e.message);
    throw new pulumi.RunError(
      "xprotect-certs: the site config has problems (listed above); nothing was issued or changed",
    );
  }
}

/**
 * Reads the config and registers the site; throws a {@link SiteConfigError} listing every config problem. The
 * component checks the config (once), with the secret config keys' names in its messages.
 */
export async function siteOutputs(): Promise<Record<string, unknown>> {
  const passwords = structuredConfig("pfxPasswords");
  const adoption = {
    caPfx: textConfig("caPfx"),
    caPfxPassword: textConfig("caPfxPassword"),
    caCertificatePem: textConfig("caCertificatePem"),
    caPrivateKeyPem: textConfig("caPrivateKeyPem"),
    serverPfx: structuredConfig("serverPfx"),
  };
  const raw = structuredConfig("site");
  // Untyped config goes in as it is (a site that is not a map too): the component's checks, run once, name
  // whatever does not fit its shape.
  const args = isRecord(raw) ? { ...raw, pfxPasswords: passwords, adopt: adoption } : raw;
  const xprotectSite = new XProtectSite("site", args as XProtectSiteArgs);
  return {
    contractVersion: xprotectSite.contractVersion,
    caCertificatePem: xprotectSite.caCertificatePem,
    caCertificateDer: xprotectSite.caCertificateDer,
    caThumbprint: xprotectSite.caThumbprint,
    caNotAfter: xprotectSite.caNotAfter,
    trustedCaCertificates: xprotectSite.trustedCaCertificates,
    servers: xprotectSite.servers,
    pfx: xprotectSite.pfx,
    pfxPasswords: xprotectSite.pfxPasswords,
    // Only for a site with a clustered management server: other stacks' outputs stay as they were.
    ...(xprotectSite.identityProviderPfx
      ? {
          identityProviderPfx: xprotectSite.identityProviderPfx,
          identityProviderPfxPasswords: xprotectSite.identityProviderPfxPasswords,
        }
      : {}),
  };
}

/**
 * The site program: the `xprotect-certs:site` config becomes an XProtectSite (the CA, a certificate per server and
 * its binding), whose outputs are the stack's (contract: stacks/outputs.schema.json). Runs as the project's main
 * program (stacks/main.ts) or as an Automation API inline program (`npm run up`). A thin adapter: the component
 * (provider/site/) does the work.
 */
import * as pulumi from "@pulumi/pulumi";
import { XProtectSite } from "../provider/site";
import type { XProtectSiteArgs } from "../provider/site";
import { formatFailures, parseSite } from "./site-config";

export { CONTRACT_VERSION } from "../provider/site";
export type { ServerOutput } from "../provider/site";

/** Reads a config value as the engine gave it (secrets decrypted), without Pulumi's secret-access warning. */
function rawConfig(key: string): unknown {
  const text = pulumi.runtime.getConfig(`xprotect-certs:${key}`);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function siteProgram(): Promise<Record<string, unknown>> {
  const passwords = rawConfig("pfxPasswords");
  const adoption = {
    caPfx: rawConfig("caPfx"),
    caPfxPassword: rawConfig("caPfxPassword"),
    caCertificatePem: rawConfig("caCertificatePem"),
    caPrivateKeyPem: rawConfig("caPrivateKeyPem"),
    serverPfx: rawConfig("serverPfx"),
  };
  const raw = rawConfig("site");
  const { site, failures } = parseSite(raw, isMap(passwords) ? passwords : {}, adoption);
  if (!site) throw new Error(formatFailures(failures));

  // The config's checks passed, so it has the component's shape (which checks it again, the same way).
  const xprotectSite = new XProtectSite("site", {
    ...(raw as XProtectSiteArgs),
    pfxPasswords: (isMap(passwords) ? passwords : {}) as XProtectSiteArgs["pfxPasswords"],
    adopt: adoption as XProtectSiteArgs["adopt"],
  });
  return {
    contractVersion: xprotectSite.contractVersion,
    caCertificatePem: xprotectSite.caCertificatePem,
    caCertificateDer: xprotectSite.caCertificateDer,
    caThumbprint: xprotectSite.caThumbprint,
    caNotAfter: xprotectSite.caNotAfter,
    servers: xprotectSite.servers,
    pfx: xprotectSite.pfx,
    pfxPasswords: xprotectSite.pfxPasswords,
  };
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

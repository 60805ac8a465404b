/**
 * The site program: the `xprotect-certs:site` config becomes an XProtectSite (the CA, a certificate per server and
 * its binding), whose outputs are the stack's (contract: stacks/outputs.schema.json). Runs as the project's main
 * program (stacks/main.ts) or as an Automation API inline program (`npm run up`). A thin adapter: the component
 * (provider/site/) does the work.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { SiteConfigError, XProtectSite } from "../provider/site";
import { readSiteFiles } from "./files";
import type { XProtectSiteArgs } from "../provider/site";
import { formatFailures } from "../provider/site/config";
import { isRecord } from "../provider/contract";
import { clearSecretFailures, SECRET_CONFIG_KEYS, SecretConfigValue } from "./clear-secrets";

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

/** True when the engine says the config key holds a secret (the SDK's own test; not in its typings). */
function isSecretConfig(key: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  if (typeof runtime.isConfigSecret !== "function") {
    throw new Error("@pulumi/pulumi has no runtime.isConfigSecret: use the version in package.json");
  }
  return runtime.isConfigSecret(`xprotect-certs:${key}`);
}

/**
 * The folder of Pulumi.yaml the engine runs in: the project's root under a plain `pulumi up`; under `npm run up`
 * (an inline program, which the engine gives no root) XPROTECT_CERTS_WORKDIR or the repository.
 */
function projectDir(): string {
  const root = pulumi.runtime.getRootDirectory();
  if (root && fs.existsSync(path.join(root, "Pulumi.yaml"))) return root;
  if (process.env.XPROTECT_CERTS_WORKDIR) return process.env.XPROTECT_CERTS_WORKDIR;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "Pulumi.yaml")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/**
 * `<dir>/<stackConfigDir of Pulumi.yaml>/Pulumi.<stack>.yaml`, as the CLI finds it (and as
 * scripts/renewals/stack-file.ts does; stacks/ imports nothing from scripts/).
 */
function stackFileOf(dir: string, stack: string): string {
  let configDir = "";
  try {
    const project: unknown = parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
    if (isRecord(project) && typeof project.stackConfigDir === "string") configDir = project.stackConfigDir;
  } catch {
    // no project file: the stack file is beside it
  }
  const base = path.join(dir, configDir, `Pulumi.${stack.split("/").pop()}`);
  return !fs.existsSync(`${base}.yaml`) && fs.existsSync(`${base}.yml`) ? `${base}.yml` : `${base}.yaml`;
}

/** The stack file's `config` (parsed), or undefined when it cannot be read. */
function writtenConfig(file: string): Record<string, unknown> | undefined {
  try {
    const doc: unknown = parse(fs.readFileSync(file, "utf8"));
    return isRecord(doc) && isRecord(doc.config) ? doc.config : undefined;
  } catch {
    return undefined;
  }
}

/** Throws a {@link SiteConfigError} when a secret config key is set in the clear (stacks/clear-secrets.ts). */
function refuseClearSecrets(): void {
  const stack = pulumi.getStack();
  const dir = projectDir();
  const file = stackFileOf(dir, stack);
  const written = writtenConfig(file);
  const values: Record<string, SecretConfigValue> = {};
  for (const key of SECRET_CONFIG_KEYS) {
    values[key] = {
      text: textConfig(key),
      secret: isSecretConfig(key),
      written: written?.[`xprotect-certs:${key}`] ?? written?.[key],
    };
  }
  const shown = path.relative(dir, file) || file;
  const failures = clearSecretFailures(values, stack, shown);
  if (failures.length) throw new SiteConfigError(formatFailures(failures));
}

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
  refuseClearSecrets();
  const passwords = structuredConfig("pfxPasswords");
  const adoption = {
    caPfx: textConfig("caPfx"),
    caPfxPassword: textConfig("caPfxPassword"),
    caCertificatePem: textConfig("caCertificatePem"),
    caPrivateKeyPem: textConfig("caPrivateKeyPem"),
    serverPfx: structuredConfig("serverPfx"),
  };
  // Paths in the config (externalRoots, signedCertificate) are relative to the project folder (Pulumi.yaml's).
  const files = readSiteFiles(structuredConfig("site"), projectDir());
  if (files.failures.length > 0) throw new SiteConfigError(formatFailures(files.failures));
  const raw = files.site;
  // Untyped config goes in as it is (a site that is not a map too): the component's checks, run once, name
  // whatever does not fit its shape.
  const eab = textConfig("acmeEabHmacKey");
  const args = isRecord(raw)
    ? {
        ...raw,
        pfxPasswords: passwords,
        adopt: adoption,
        ...(eab === undefined ? {} : { acmeEabHmacKey: eab }),
        ...(isRecord(raw.acme) ? { projectDir: projectDir() } : {}),
      }
    : raw;
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
    // Only for a site with acme: a site without it keeps exactly the outputs it had.
    ...(xprotectSite.acmeAccount
      ? { publicPfx: xprotectSite.publicPfx, publicPfxPasswords: xprotectSite.publicPfxPasswords }
      : {}),
  };
}

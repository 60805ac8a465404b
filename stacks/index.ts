/**
 * The site program: the `xprotect-certs:site` config becomes the CA, a certificate per server and its binding,
 * with the outputs installers read (contract: stacks/outputs.schema.json). Runs as the project's main program
 * (stacks/main.ts) or as an Automation API inline program (`npm run up`).
 */
import * as pulumi from "@pulumi/pulumi";
import { CaCertificate, CertificateBinding, ServerCertificate } from "../provider";
import { ROLE_FACTS } from "../provider/xprotect/roles";
import type { SlotBinding } from "../provider/runtime/binding";
import { formatFailures, parseSite, ServerSpec } from "./site-config";

/** Bumped when a field of the outputs changes meaning or goes away (adding one does not). */
export const CONTRACT_VERSION = 1;

export interface ServerOutput {
  role: string;
  hostname: string;
  dnsNames: string[];
  ipAddresses: string[];
  thumbprint: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  renewalDue: string;
  serviceName: string;
  serviceAccount: string;
  /** Lower first: the order in which the vendor says to switch encryption on across a site. */
  enableOrder: number;
  slots: SlotBinding[];
}

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

/**
 * The site's config has problems: nothing is registered. A RunError, so that Pulumi prints the message alone
 * (the list of problems), with no stack trace.
 */
export class SiteConfigError extends pulumi.RunError {}

/**
 * The program as the engine runs it (`npm run up`, a plain `pulumi up`): {@link siteOutputs}, except that config
 * problems are reported once, as one error diagnostic, and the run fails without registering anything. (Thrown,
 * the same error would be printed twice by an inline program's host: once as the unhandled rejection, once as
 * the run's result.)
 */
export async function siteProgram(): Promise<Record<string, unknown>> {
  try {
    return await siteOutputs();
  } catch (e) {
    if (!(e instanceof SiteConfigError)) throw e;
    pulumi.log.error(e.message);
    return {};
  }
}

/** Reads the config and registers the site; throws a {@link SiteConfigError} listing every config problem. */
export async function siteOutputs(): Promise<Record<string, unknown>> {
  const passwords = structuredConfig("pfxPasswords");
  const { site, failures } = parseSite(structuredConfig("site"), passwords, {
    caPfx: textConfig("caPfx"),
    caPfxPassword: textConfig("caPfxPassword"),
    caCertificatePem: textConfig("caCertificatePem"),
    caPrivateKeyPem: textConfig("caPrivateKeyPem"),
    serverPfx: structuredConfig("serverPfx"),
  });
  if (!site) throw new SiteConfigError(formatFailures(failures));

  const ca = new CaCertificate("site-ca", site.ca as never);
  const servers: Record<string, pulumi.Output<ServerOutput>> = {};
  const pfx: Record<string, pulumi.Output<string>> = {};
  const pfxPasswords: Record<string, pulumi.Output<string>> = {};
  for (const spec of site.servers) {
    const given = isMap(passwords) ? passwords[spec.name] : undefined;
    const { certificate, binding } = serverResources(spec, ca, typeof given === "string" ? given : undefined);
    servers[spec.name] = pulumi
      .all([
        certificate.thumbprint,
        certificate.serialNumber,
        certificate.notBefore,
        certificate.notAfter,
        certificate.renewalDue,
        binding.serviceName,
        binding.serviceAccount,
        binding.slots,
      ])
      .apply(
        ([
          thumbprint,
          serialNumber,
          notBefore,
          notAfter,
          renewalDue,
          serviceName,
          serviceAccount,
          slots,
        ]): ServerOutput => ({
          role: spec.role,
          hostname: spec.hostname,
          dnsNames: spec.dnsNames,
          ipAddresses: spec.ipAddresses,
          thumbprint,
          serialNumber,
          notBefore,
          notAfter,
          renewalDue,
          serviceName,
          serviceAccount,
          enableOrder: ROLE_FACTS[spec.role].enableOrder,
          slots,
        }),
      );
    pfx[spec.name] = certificate.pfx;
    pfxPasswords[spec.name] = certificate.pfxPassword;
  }
  return {
    contractVersion: CONTRACT_VERSION,
    caCertificatePem: ca.certificatePem,
    caCertificateDer: ca.certificateDer,
    caThumbprint: ca.thumbprint,
    caNotAfter: ca.notAfter,
    servers: pulumi.all(servers),
    pfx: pulumi.secret(pulumi.all(pfx)),
    pfxPasswords: pulumi.secret(pulumi.all(pfxPasswords)),
  };
}

function serverResources(spec: ServerSpec, ca: CaCertificate, pfxPassword: string | undefined) {
  const certificate = new ServerCertificate(spec.name, {
    ca,
    dnsNames: spec.dnsNames,
    ipAddresses: spec.ipAddresses,
    rsaBits: spec.rsaBits as never,
    validityDays: spec.validityDays as number | undefined,
    renewBeforeDays: spec.renewBeforeDays as number | undefined,
    autoRenew: spec.autoRenew as boolean | undefined,
    generation: spec.generation as number | undefined,
    keyRotation: spec.keyRotation as never,
    pfxProfile: spec.pfxProfile as never,
    friendlyName: spec.friendlyName as string | undefined,
    includeChain: spec.includeChain as boolean | undefined,
    pfxPassword: pfxPassword === undefined ? undefined : pulumi.secret(pfxPassword),
    adoptPfx: spec.adoptPfx === undefined ? undefined : pulumi.secret(spec.adoptPfx),
  });
  const binding = new CertificateBinding(spec.name, {
    certificate,
    role: spec.role,
    hostname: spec.hostname,
    serviceAccount: spec.serviceAccount as string | undefined,
    slots: spec.slots,
  });
  return { certificate, binding };
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

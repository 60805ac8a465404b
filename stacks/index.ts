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
  const { site, failures } = parseSite(rawConfig("site"), isMap(passwords) ? passwords : {}, {
    caPfx: rawConfig("caPfx"),
    caPfxPassword: rawConfig("caPfxPassword"),
    caCertificatePem: rawConfig("caCertificatePem"),
    caPrivateKeyPem: rawConfig("caPrivateKeyPem"),
    serverPfx: rawConfig("serverPfx"),
  });
  if (!site) throw new Error(formatFailures(failures));

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

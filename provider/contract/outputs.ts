/**
 * The outputs contract, version 1: what `pulumi stack output --json [--show-secrets]` gives for a site
 * (JSON Schema: stacks/outputs.schema.json). The site program writes it; renewals, the bundle command and the
 * summary after `up` read it. Types and constants only.
 */

/** Bumped when a field of the outputs changes meaning or goes away (adding one does not). */
export const CONTRACT_VERSION = 1;

/** The value Pulumi prints for a secret output without `--show-secrets`. */
export const SECRET_PLACEHOLDER = "[secret]";

/** One slot a binding enables, with the Server Configurator command that does it. */
export interface SlotOutput {
  /** `server`, `streamingMedia`, `mobileStreamingMedia` or `eventServer`. */
  slot: string;
  /** The certificate group id the Server Configurator uses for the slot. */
  groupId: string;
  /** The Server Configurator command line that enables the slot with this certificate. */
  command: string;
  /** The thumbprint of the certificate this slot uses (the public certificate's for a public slot). */
  thumbprint?: string;
}

/** `servers.<name>.publicCertificate`: the server's certificate from the site's ACME CA (config `public`). */
export interface PublicCertificateOutput {
  /** SHA-1 of the DER, upper-case hex. */
  thumbprint: string;
  /** Upper-case hex. */
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** From then on `up` orders a new one. */
  renewalDue: string;
  /** Its public DNS names. */
  dnsNames: string[];
  /** The client-facing slots that use it. */
  slots: string[];
}

/** `servers.<name>`: what a server's installer needs. */
export interface ServerOutput {
  /** The XProtect role, e.g. `recordingServer`. */
  role: string;
  /** The server's FQDN. */
  hostname: string;
  /** The certificate's DNS names; the first is the subject CN. */
  dnsNames: string[];
  /** The certificate's IP addresses. */
  ipAddresses: string[];
  /** SHA-1 of the DER, upper-case hex. */
  thumbprint: string;
  /** Upper-case hex. */
  serialNumber: string;
  /** When the certificate starts to be valid (ISO 8601). */
  notBefore: string;
  /** When the certificate expires (ISO 8601). */
  notAfter: string;
  /** notAfter minus renewBeforeDays: from then on `pulumi up` reissues (autoRenew). */
  renewalDue: string;
  /** The role's Windows service. */
  serviceName: string;
  /** The account that runs the service and must read the key. */
  serviceAccount: string;
  /** Lower first: the order in which the vendor says to switch encryption on across a site. */
  enableOrder: number;
  /** The encryption slots to enable, each with its command. */
  slots: SlotOutput[];
  /** "external" when an enterprise CA signs this server's certificate; absent for the site's root. */
  issuer?: "external";
  /**
   * While a request waits for the enterprise CA (issuer external): the PKCS#10 request (PEM), its name, when it was
   * made, and the AD CS template to submit it with. A server awaiting its first certificate has no thumbprint,
   * serialNumber, notBefore, notAfter or renewalDue yet, no slots and no `pfx` entry.
   */
  certificateRequestPem?: string;
  /** The waiting request's name: the first 16 hex digits of the SHA-256 of its public key. */
  requestId?: string;
  /** When the request was made (ISO 8601). */
  requestedAt?: string;
  /** The AD CS template to submit it with (site config `externalTemplate`, default WebServer). */
  certificateTemplate?: string;
  /**
   * Issuer external, once signed: the intermediate CAs between the certificate and its enterprise root (also in
   * the PFX), for the installer to put into `LocalMachine\CA`. Absent for the site's root.
   */
  intermediateCaCertificates?: IntermediateCaCertificate[];
  /** A clustered management server's nodes' FQDNs (`hostname` is then the cluster's name); absent otherwise. */
  clusterNodes?: string[];
  /** A clustered management server's identity provider data-protection certificate; absent otherwise. */
  identityProviderCertificate?: IdentityProviderCertificateOutput;
  /** The server's public certificate, when it has `public`. */
  publicCertificate?: PublicCertificateOutput;
}

/**
 * `servers.<name>.identityProviderCertificate`: the certificate that protects the identity provider's
 * configuration on every node of a clustered management server (its PFX in `identityProviderPfx`).
 */
export interface IdentityProviderCertificateOutput {
  /** SHA-1 of the DER, upper-case hex: what appsettings.json names. */
  thumbprint: string;
  /** Upper-case hex. */
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** notAfter minus renewBeforeDays: from then on `pulumi up` reissues (autoRenew). */
  renewalDue: string;
}

/** An intermediate CA certificate (`servers.<name>.intermediateCaCertificates[]`). */
export interface IntermediateCaCertificate {
  thumbprint: string;
  /** DER, base64. */
  certificateDer: string;
}

/**
 * Where a root stands in a root rotation; `active` without rotation. `external`: an enterprise root (site config
 * `externalRoots`) that certificates of servers with `issuer: external` chain to; Group Policy, not the bundle,
 * makes computers trust it.
 */
export type TrustedCaStatus = "active" | "next" | "previous" | "external";

export const TRUSTED_CA_STATUSES: readonly TrustedCaStatus[] = ["active", "next", "previous", "external"];

/** One root to trust (`trustedCaCertificates[]`, added by root rotation). */
export interface TrustedCaCertificate {
  /** SHA-1 of the DER, upper-case hex. */
  thumbprint: string;
  /** When the root expires (ISO 8601). */
  notAfter: string;
  /** The root's certificate, PEM. */
  certificatePem: string;
  /** DER, base64: the `.cer` content. */
  certificateDer: string;
  /** `active` (issues the server certificates), `next` (staged) or `previous` (switched from, still trusted). */
  status: TrustedCaStatus;
}

/** A secret map from server name (`pfx`, `pfxPasswords`): the map with `--show-secrets`, else the placeholder. */
export type SecretMap = Record<string, string> | typeof SECRET_PLACEHOLDER;

/** The whole outputs object. */
export interface SiteOutputs {
  contractVersion: typeof CONTRACT_VERSION;
  caCertificatePem: string;
  /** The CA certificate, DER in base64. */
  caCertificateDer: string;
  caThumbprint: string;
  caNotAfter: string;
  servers: Record<string, ServerOutput>;
  /** Server name to its PFX, base64. */
  pfx: SecretMap;
  /** Server name to its PFX password. */
  pfxPasswords: SecretMap;
  /** Server name to its public certificate's PFX (leaf and intermediates), base64; only with `acme`. */
  publicPfx?: SecretMap;
  /** Server name to its public PFX's password; only with `acme`. */
  publicPfxPasswords?: SecretMap;
  /** Every root to trust during a root rotation; absent before it (then the one CA is the active root). */
  trustedCaCertificates?: TrustedCaCertificate[];
  /** Clustered management server's name to its identity provider PFX, base64; absent without a cluster. */
  identityProviderPfx?: SecretMap;
  /** Clustered management server's name to its identity provider PFX password; absent without a cluster. */
  identityProviderPfxPasswords?: SecretMap;
}

/** SHA-1 thumbprint as Windows shows it. */
export const THUMBPRINT = /^[0-9A-F]{40}$/;
/** Upper-case hex (serial numbers). */
export const HEX = /^[0-9A-F]+$/;
export const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** ISO 8601 with seconds and a zone. */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

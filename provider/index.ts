/**
 * xprotect-certs: certificates for Milestone XProtect VMS as Pulumi resources. What a program needs, and only
 * that: the three resources and their Args, the XProtectSite component, its typed args and SiteConfigError, the
 * outputs contract's types, the validators (to check arguments before registering), and XProtect's roles and
 * slots. Internals (the certificate core, the dynamic providers, the change planning, the checks' UNKNOWN marker,
 * the contract's format patterns) are not exported.
 *
 * - ca/, server/, binding/: each resource's fields (once), check, dynamic provider and class.
 * - site/: XProtectSite, a whole site (CA, certificates, bindings) as one component with the contract's outputs.
 * - contract/: the outputs contract (v1).
 * - pki/: the certificate core (pure: X.509, PKCS#12, names, keys), no Pulumi.
 * - xprotect/: XProtect's roles, slots and service accounts.
 * - runtime/: what the engine's provider process loads (xprotect-certs/runtime).
 */
export { CaCertificate } from "./ca/resource";
export type { CaCertificateArgs } from "./ca/resource";
export { ServerCertificate } from "./server/resource";
export type { ServerCertificateArgs } from "./server/resource";
export type { KeyRotation } from "./server/fields";
export type { RsaBits } from "./pki/limits";
export type { PfxProfile } from "./pki/pkcs12";
export { CertificateBinding } from "./binding/resource";
export type { CertificateBindingArgs } from "./binding/resource";
export type { SlotBinding } from "./binding/provider";
export { SiteConfigError, XProtectSite, XPROTECT_SITE_TYPE } from "./site";
export type {
  XProtectSiteArgs,
  XProtectSiteCa,
  XProtectServer,
  XProtectServerSettings,
  XProtectSiteAdoption,
} from "./site";
export { CONTRACT_VERSION, SECRET_PLACEHOLDER } from "./contract/outputs";
export type {
  SecretMap,
  ServerOutput,
  SiteOutputs,
  SlotOutput,
  TrustedCaCertificate,
  TrustedCaStatus,
} from "./contract/outputs";
export {
  DEFAULT_SERVICE_ACCOUNT,
  ROLE_FACTS,
  ROLES,
  SLOT_GROUP_IDS,
  SLOTS,
  enableEncryptionCommand,
} from "./xprotect/roles";
export type { Role, RoleFacts, Slot } from "./xprotect/roles";
export { validateCaArgs } from "./ca/check";
export type { CaInputs } from "./ca/check";
export { validateServerArgs } from "./server/check";
export type { ServerInputs } from "./server/check";
export { validateBindingArgs } from "./binding/check";
export type { BindingInputs } from "./binding/check";
export type { CheckFailure } from "./validate/fields";

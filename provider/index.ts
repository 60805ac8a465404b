/**
 * xprotect-certs: certificates for Milestone XProtect VMS as Pulumi resources.
 *
 * - pki/: the certificate core (pure: X.509, PKCS#12, names, keys), no Pulumi.
 * - xprotect/: XProtect's roles, slots and service accounts.
 * - validate/: argument checks returning {property, reason} failures.
 * - runtime/: the dynamic providers' CRUD, run by the engine in its own process.
 * - resources/: the resource classes a program uses.
 * - site/: XProtectSite, a whole site (CA, certificates, bindings) as one component with the contract's outputs.
 */
export { CaCertificate, caExpiryWarning } from "./ca/resource";
export type { CaCertificateArgs } from "./ca/resource";
export { ServerCertificate } from "./server/resource";
export type { ServerCertificateArgs } from "./server/resource";
export { CertificateBinding } from "./binding/resource";
export type { CertificateBindingArgs } from "./binding/resource";
export { XProtectSite, XPROTECT_SITE_TYPE, CONTRACT_VERSION } from "./site";
export type {
  XProtectSiteArgs,
  XProtectSiteCa,
  XProtectServer,
  XProtectServerSettings,
  XProtectSiteAdoption,
  ServerOutput,
} from "./site";
export * as pki from "./pki";
export * from "./xprotect/roles";
export { validateCaArgs } from "./ca/check";
export type { CaInputs } from "./ca/check";
export { validateServerArgs } from "./server/check";
export type { ServerInputs } from "./server/check";
export { validateBindingArgs } from "./binding/check";
export type { BindingInputs } from "./binding/check";
export { UNKNOWN } from "./validate/fields";
export type { CheckFailure } from "./validate/fields";
export { planServerChange } from "./server/provider";
export type { ServerPlan } from "./server/provider";

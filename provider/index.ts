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
export { CaCertificate, caExpiryWarning } from "./resources/ca-certificate";
export type { CaCertificateArgs } from "./resources/ca-certificate";
export { ServerCertificate } from "./resources/server-certificate";
export type { ServerCertificateArgs } from "./resources/server-certificate";
export { CertificateBinding } from "./resources/certificate-binding";
export type { CertificateBindingArgs } from "./resources/certificate-binding";
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
export { validateCaArgs } from "./validate/ca";
export type { CaInputs } from "./validate/ca";
export { validateServerArgs } from "./validate/server";
export type { ServerInputs } from "./validate/server";
export { validateBindingArgs } from "./validate/binding";
export type { BindingInputs } from "./validate/binding";
export { UNKNOWN } from "./validate/fields";
export type { CheckFailure } from "./validate/fields";
export { planServerChange } from "./runtime/server";
export type { ServerPlan } from "./runtime/server";

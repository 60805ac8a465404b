/**
 * xprotect-certs: certificates for Milestone XProtect VMS as Pulumi resources. What a program needs: the three
 * resources and their Args, the XProtectSite component and its typed args, the outputs contract, the validators
 * (to check arguments before registering), and XProtect's roles and slots. Internals (the dynamic providers, the
 * change planning) are not exported.
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
export { CertificateBinding } from "./binding/resource";
export type { CertificateBindingArgs } from "./binding/resource";
export { XProtectSite, XPROTECT_SITE_TYPE } from "./site";
export type {
  XProtectSiteArgs,
  XProtectSiteCa,
  XProtectServer,
  XProtectServerSettings,
  XProtectSiteAdoption,
} from "./site";
export * from "./contract/outputs";
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

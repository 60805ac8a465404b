/** The site's outputs: contract version 1, defined once in provider/contract (README "The outputs"). */
export { CONTRACT_VERSION } from "../contract";
export type { ServerOutput } from "../contract";
export type { IdentityProviderCertificateOutput } from "../contract";

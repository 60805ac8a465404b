/** The XProtectSite component: a whole site (CA, certificates, bindings) with the contract's outputs. */
export { SiteConfigError, XProtectSite, XPROTECT_SITE_TYPE } from "./xprotect-site";
export type {
  XProtectSiteArgs,
  XProtectSiteCa,
  XProtectServer,
  XProtectServerSettings,
  XProtectSiteAdoption,
} from "./args";
export { CONTRACT_VERSION } from "./outputs";
export type { ServerOutput } from "./outputs";

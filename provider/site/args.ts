/**
 * XProtectSite's arguments: the shape of the `xprotect-certs:site` config (README, "Describing a site"), typed,
 * plus the secret inputs the stack program reads from secret config keys.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CaFieldValues } from "../ca/fields";
import type { Role, Slot } from "../xprotect/roles";
import type { CA_KEYS, SERVER_KEYS, SETTING_KEYS, Settings } from "./config";

/** The site CA (config `ca`): its fields (provider/ca/fields.ts), each optional; adopted CAs take none of the first four. */
export type XProtectSiteCa = Partial<CaFieldValues>;

/**
 * Settings every server inherits from `defaults`, each overridable per server: the certificate's and the
 * binding's setting fields (provider/server/fields.ts, provider/binding/fields.ts), with their doc comments.
 */
export type XProtectServerSettings = Settings;

/** One XProtect server (an entry of `servers`). */
export interface XProtectServer extends XProtectServerSettings {
  role: Role;
  /** The server's FQDN; one of dnsNames. */
  hostname: string;
  /** Default [hostname]; the first is the subject CN. */
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Default: the role's own slots. */
  slots?: Slot[];
  /**
   * With `issuer: "external"`, once the enterprise CA has signed the request: the certificate it returned, PEM text,
   * leaf first, then the intermediates (the stack program reads it from the file the config names).
   */
  signedCertificate?: string;
}

/**
 * Existing material to adopt (README, "Adopting what a site already has"): the CA as PFX + password or as PEM
 * certificate + key, and installed server certificates (server name to base64 PFX, each with its password in
 * `pfxPasswords`). All kept secret.
 */
export interface XProtectSiteAdoption {
  caPfx?: pulumi.Input<string>;
  caPfxPassword?: pulumi.Input<string>;
  caCertificatePem?: pulumi.Input<string>;
  caPrivateKeyPem?: pulumi.Input<string>;
  serverPfx?: Record<string, pulumi.Input<string>>;
}

/**
 * The site's shape is plain data (as written in the config) so that every problem is found before anything is
 * registered. The secrets may be outputs (e.g. `config.requireSecret(...)`): plain text is checked with the rest,
 * an output by the provider at preview.
 */
export interface XProtectSiteArgs {
  ca?: XProtectSiteCa;
  /**
   * A root rotation's next root: staged (made and trusted by clients through `trustedCaCertificates`) while `ca`
   * still issues. Its `generation` must be above `ca`'s. README "Rotating the root CA".
   */
  nextCa?: XProtectSiteCa & { generation: number };
  /** "nextCa" switches the server certificates to the next root (once staged `minStageDays`). Default "ca". */
  issueFrom?: "ca" | "nextCa";
  /** Days the next root must have been staged before the switch. Default 7; 0 on purpose to switch at once. */
  minStageDays?: number;
  defaults?: XProtectServerSettings;
  /**
   * The enterprise roots (PEM text) that certificates of servers with `issuer: "external"` must chain to (the stack
   * program reads them from the files the config names). Required when a server's issuer is external.
   */
  externalRoots?: string[];
  /** The AD CS certificate template the `certreq` command names. Default "WebServer". */
  externalTemplate?: string;
  /** Server name (also the name of its certificate and binding resources) to server. */
  servers: Record<string, XProtectServer>;
  /** Server name to PFX password; a server without one gets 24 random characters, generated once and kept. */
  pfxPasswords?: Record<string, pulumi.Input<string>>;
  adopt?: XProtectSiteAdoption;
}

// The types above must list exactly the keys the config schema allows (provider/site/config.ts): these fail to
// compile when one side gains or loses a key.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const CA_KEYS_MATCH: SameKeys<keyof XProtectSiteCa, (typeof CA_KEYS)[number]> = true;
export const SETTING_KEYS_MATCH: SameKeys<keyof XProtectServerSettings, (typeof SETTING_KEYS)[number]> = true;
export const SERVER_KEYS_MATCH: SameKeys<keyof XProtectServer, (typeof SERVER_KEYS)[number]> = true;

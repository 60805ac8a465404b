/**
 * XProtectSite's arguments: the shape of the `xprotect-certs:site` config (README, "Describing a site"), typed,
 * plus the secret inputs the stack program reads from secret config keys.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CaFieldValues } from "../ca/fields";
import type { InputOf } from "../server/resource";
import type { Role, Slot } from "../xprotect/roles";
import type { CA_KEYS, SERVER_KEYS, SETTING_KEYS, Settings } from "./config";

/** Each field of `T` as an optional input: a value or an output (of a list: each element too). */
type Inputs<T> = { [K in keyof T]?: InputOf<T[K]> };

/**
 * The site CA (config `ca`): its fields (provider/ca/fields.ts), each optional and each a value or an output, but
 * `generation`, which names the root's resource and so must be plain. Adopted CAs take none of the first four.
 */
export type XProtectSiteCa = Inputs<Omit<CaFieldValues, "generation">> & {
  /** Bump to make a new root on purpose (plain: it names the root's resource). Default 0. */
  generation?: number;
};

/**
 * Settings every server inherits from `defaults`, each overridable per server, each a value or an output: the
 * certificate's and the binding's setting fields (provider/server/fields.ts, provider/binding/fields.ts), with
 * their doc comments.
 */
export type XProtectServerSettings = Inputs<Settings>;

/**
 * One XProtect server (an entry of `servers`). `role` and `slots` decide what the site registers and are checked
 * across servers at once, so they are plain values; the names and addresses may be outputs of other resources.
 */
export interface XProtectServer extends XProtectServerSettings {
  /** The XProtect role: decides the service, the default slots and the site's rules. Plain. */
  role: Role;
  /** The server's FQDN; one of dnsNames. */
  hostname: pulumi.Input<string>;
  /** The certificate's DNS names. Default [hostname]; the first is the subject CN. */
  dnsNames?: InputOf<string[]>;
  /** IPv4 or IPv6 addresses clients may connect to. Default none. */
  ipAddresses?: InputOf<string[]>;
  /** The encryption slots to bind. Default: the role's own slots. Plain. */
  slots?: Slot[];
  /**
   * With `issuer: "external"`, once the enterprise CA has signed the request: the certificate it returned, PEM text,
   * leaf first, then the intermediates (the stack program reads it from the file the config names).
   */
  signedCertificate?: string;
  /**
   * Only on the management server, for a Windows Server failover cluster: every node's FQDN (at least two), while
   * `hostname` is the cluster's name. The certificate then names the cluster, every node and any `dnsNames`, and
   * the site gets the identity provider's data-protection certificate. Plain (it decides the bundle's folders).
   */
  clusterNodes?: string[];
  /**
   * A second certificate, from the site's ACME CA (`acme`), for the server's client-facing slots (mobile server:
   * mobileStreamingMedia; recording server: streamingMedia). Public names only. Plain.
   */
  public?: XProtectServerPublic;
}

/** A server's public certificate: its public DNS names, and the client-facing slots that use it (default: all). */
export interface XProtectServerPublic {
  dnsNames: string[];
  slots?: Slot[];
}

/**
 * The ACME CA (RFC 8555) that signs the servers' public certificates. Configuring it agrees to the CA's terms of
 * service. Plain.
 */
export interface XProtectSiteAcme {
  /** `letsencrypt`, `letsencrypt-staging`, or a directory URL. */
  directory: string;
  /** The account's contact address. */
  email: string;
  dns01: {
    /** Run as `<command...> present|cleanup <fqdn.> <value>` in the project folder (lego's exec arguments). */
    command: string[];
    /** DNS servers (ip[:port]) that must show the TXT record before the CA is asked. */
    resolvers?: string[];
  };
  /** For CAs that need it (ZeroSSL, Sectigo, Google): the key id; the HMAC key is `acmeEabHmacKey`. */
  externalAccountBinding?: { keyId: string };
}

/**
 * Existing material to adopt (README, "Adopting what a site already has"): the CA as PFX + password or as PEM
 * certificate + key, and installed server certificates (server name to base64 PFX, each with its password in
 * `pfxPasswords`). All kept secret.
 */
export interface XProtectSiteAdoption {
  /** The CA to adopt, as a base64 PFX (with `caPfxPassword`). */
  caPfx?: pulumi.Input<string>;
  /** The password of `caPfx`. */
  caPfxPassword?: pulumi.Input<string>;
  /** The CA to adopt, as a PEM certificate (with `caPrivateKeyPem`). */
  caCertificatePem?: pulumi.Input<string>;
  /** The private key of `caCertificatePem`, PEM. */
  caPrivateKeyPem?: pulumi.Input<string>;
  /** Server name to the base64 PFX of its installed certificate (its password in `pfxPasswords`). */
  serverPfx?: Record<string, pulumi.Input<string>>;
}

/**
 * The site. What decides which resources exist is plain data, checked before anything is registered: the server
 * names, each server's role and slots, and the rotation keys (`nextCa`, the generations of `ca` and `nextCa`,
 * `issueFrom`, `minStageDays`). Everything else may be an output of another resource (e.g. a DNS record's name or a
 * VM's address, or `config.requireSecret(...)`): known values are checked with the rest, outputs by the providers at
 * preview. A plain field given an output is an error naming the field.
 */
export interface XProtectSiteArgs {
  /** The site CA (made, or adopted with `adopt`). */
  ca?: XProtectSiteCa;
  /**
   * A root rotation's next root: staged (made and trusted by clients through `trustedCaCertificates`) while `ca`
   * still issues. Its `generation` must be above `ca`'s. README "Rotating the root CA".
   */
  nextCa?: XProtectSiteCa & { generation: number };
  /** "nextCa" switches the server certificates to the next root (once staged `minStageDays`). Default "ca". */
  issueFrom?: "ca" | "nextCa";
  /**
   * Days the next root must have been staged before the switch. Default 7; 0 on purpose to switch at once. Only
   * with `nextCa` (refused without it): remove it at the retire, or it would apply to the next rotation.
   */
  minStageDays?: number;
  /** Settings every server inherits unless it sets its own. */
  defaults?: XProtectServerSettings;
  /**
   * The enterprise roots (PEM text) that certificates of servers with `issuer: "external"` must chain to (the stack
   * program reads them from the files the config names). Required when a server's issuer is external.
   */
  externalRoots?: string[];
  /** The AD CS certificate template the `certreq` command names. Default "WebServer". */
  externalTemplate?: string;
  /** Server name to server. The children are named `<site>-<server>`. */
  servers: Record<string, XProtectServer>;
  /** Server name to PFX password; a server without one gets 24 random characters, generated once and kept. */
  pfxPasswords?: Record<string, pulumi.Input<string>>;
  /** Existing CA and server certificates to take over. */
  adopt?: XProtectSiteAdoption;
  /** The ACME CA of the servers' `public` certificates. */
  acme?: XProtectSiteAcme;
  /** Secret: the ACME CA's EAB HMAC key (config `xprotect-certs:acmeEabHmacKey`). */
  acmeEabHmacKey?: pulumi.Input<string>;
  /** The folder `acme.dns01.command` is relative to and runs in. Default: the program's working folder. */
  projectDir?: string;
}

// The types above must list exactly the keys the config schema allows (provider/site/config.ts): these fail to
// compile when one side gains or loses a key.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const CA_KEYS_MATCH: SameKeys<keyof XProtectSiteCa, (typeof CA_KEYS)[number]> = true;
export const SETTING_KEYS_MATCH: SameKeys<keyof XProtectServerSettings, (typeof SETTING_KEYS)[number]> = true;
export const SERVER_KEYS_MATCH: SameKeys<keyof XProtectServer, (typeof SERVER_KEYS)[number]> = true;

/** ServerCertificate: one XProtect server's certificate, signed by the site CA, with its PFX. */
import * as pulumi from "@pulumi/pulumi";
import { XprotectResource } from "../dynamic";
import { outputProps, secretInput } from "./outputs";
import {
  DEFAULT_RENEW_BEFORE_DAYS,
  DEFAULT_SERVER_RSA_BITS,
  DEFAULT_SERVER_VALIDITY_DAYS,
  RsaBits,
} from "../pki/limits";
import type { PfxProfile } from "../pki/pkcs12";
import { renewalBlockedByCa, renewalDueOf, renewalHelps } from "../pki/renewal";
import { isProblem, openMaterial } from "../pki/adopt";
import { resolveNow } from "../runtime/clock";
import type { KeyRotation } from "../validate/server";
import { CaCertificate } from "./ca-certificate";

export interface ServerCertificateArgs {
  /** The site CA that signs it. */
  ca: CaCertificate;
  /** The server's DNS names, at least one; the first is the subject CN. Lower-cased, trailing dot dropped. */
  dnsNames: pulumi.Input<pulumi.Input<string>[]>;
  /** IPv4 or IPv6 addresses clients may connect to. */
  ipAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /** 2048 (default), 3072 or 4096. */
  rsaBits?: pulumi.Input<RsaBits>;
  /** Default 730; never past the CA's notAfter (cut short, with a warning). */
  validityDays?: pulumi.Input<number>;
  /** Reissue this many days before notAfter. Default 30. */
  renewBeforeDays?: pulumi.Input<number>;
  /** Reissue during a plain `pulumi up` once due. Default true. */
  autoRenew?: pulumi.Input<boolean>;
  /** Bump to reissue now. Default 0. */
  generation?: pulumi.Input<number>;
  /** "always" (default): a reissue makes a new key. "never": reuse the key while rsaBits stays. */
  keyRotation?: pulumi.Input<KeyRotation>;
  /** The PFX password (kept secret). Absent: 24 random characters, generated once and kept. */
  pfxPassword?: pulumi.Input<string>;
  /** "legacy-3des" (default, every Windows) or "modern-aes256" (Windows 10 1709+ / Server 2019+). */
  pfxProfile?: pulumi.Input<PfxProfile>;
  /** Default "VMS SSL Certificate". */
  friendlyName?: pulumi.Input<string>;
  /** Put the CA certificate in the PFX too. Default true. */
  includeChain?: pulumi.Input<boolean>;
  /**
   * An installed certificate to take over: its PFX in base64 (password: `pfxPassword`), issued by `ca` and
   * naming exactly `dnsNames` and `ipAddresses`. It is kept (same thumbprint) until an input changes or it is
   * due, then reissued like any other. Kept secret.
   */
  adoptPfx?: pulumi.Input<string>;
}

const SECRET_OUTPUTS = ["pfx", "pfxPassword"];

export class ServerCertificate extends XprotectResource {
  public readonly certificatePem!: pulumi.Output<string>;
  /** SHA-1 of the DER, upper-case hex: what the Server Configurator and certlm.msc show. */
  public readonly thumbprint!: pulumi.Output<string>;
  public readonly sha256Fingerprint!: pulumi.Output<string>;
  /** Upper-case hex, no separators. */
  public readonly serialNumber!: pulumi.Output<string>;
  public readonly subject!: pulumi.Output<string>;
  public readonly dnsNames!: pulumi.Output<string[]>;
  public readonly ipAddresses!: pulumi.Output<string[]>;
  public readonly notBefore!: pulumi.Output<string>;
  public readonly notAfter!: pulumi.Output<string>;
  /** notAfter minus renewBeforeDays: from then on `pulumi up` reissues (when autoRenew). */
  public readonly renewalDue: pulumi.Output<string>;
  public readonly caThumbprint!: pulumi.Output<string>;
  public readonly validityCapped!: pulumi.Output<boolean>;
  /** Secret. The PFX, base64. */
  public readonly pfx!: pulumi.Output<string>;
  /** Secret. */
  public readonly pfxPassword!: pulumi.Output<string>;

  /** What was asked for, known at preview (the binding checks host names and Apple's rules against it). */
  public readonly requested: pulumi.Output<{ dnsNames: string[]; rsaBits: number; validityDays: number }>;

  constructor(name: string, args: ServerCertificateArgs, opts: pulumi.CustomResourceOptions = {}) {
    const { ca, pfxPassword, adoptPfx, ...rest } = args;
    super(
      "server",
      "ServerCertificate",
      name,
      {
        ...outputProps(
          "certificatePem",
          "thumbprint",
          "sha256Fingerprint",
          "serialNumber",
          "subject",
          "dnsNames",
          "ipAddresses",
          "notBefore",
          "notAfter",
          "renewalDue",
          "caThumbprint",
          "validityCapped",
          "pfx",
          "pfxPassword",
        ),
        ...rest,
        caCertificatePem: ca.certificatePem,
        caId: ca.id,
        caSigningKey: ca.signingKey,
        pfxPassword: secretInput(pfxPassword),
        adoptPfx: secretInput(adoptPfx),
      },
      { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), ...SECRET_OUTPUTS] },
    );
    // Exact even when only renewBeforeDays changed (that alone updates nothing in the state).
    this.renewalDue = pulumi
      .all([this.notAfter, args.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS])
      .apply(([notAfter, days]) => renewalDueOf(notAfter, days));
    this.requested = pulumi
      .all([
        args.dnsNames,
        args.rsaBits ?? DEFAULT_SERVER_RSA_BITS,
        args.validityDays ?? DEFAULT_SERVER_VALIDITY_DAYS,
      ])
      .apply(([dnsNames, rsaBits, validityDays]) => ({ dnsNames, rsaBits, validityDays }));
    pulumi.output(args.pfxProfile).apply((profile) => {
      if (profile === "modern-aes256") {
        pulumi.log.warn(
          `pfxProfile modern-aes256: Windows Server 2016 and Windows 10 before 1709 cannot import this PFX ` +
            `("The specified network password is not correct"); use legacy-3des for those servers`,
          this,
        );
      }
    });
    pulumi
      .all([
        this.notAfter,
        this.renewalDue,
        ca.notAfter,
        args.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS,
        args.validityDays ?? DEFAULT_SERVER_VALIDITY_DAYS,
        args.autoRenew ?? true,
      ])
      .apply(([notAfter, renewalDue, caNotAfter, renewBeforeDays, validityDays, autoRenew]) => {
        const now = resolveNow(process.env);
        if (!autoRenew || !now.ok || !notAfter || !caNotAfter) return;
        if (renewalBlockedByCa({ notAfter, renewBeforeDays, validityDays, caNotAfter, now: now.now })) {
          pulumi.log.warn(
            `due for renewal since ${renewalDue.slice(0, 10)}, but this certificate already ends with the site CA ` +
              `(${caNotAfter.slice(0, 10)}): a new one would not last longer, so it is not reissued. Plan a new ` +
              `CA now (bump ca.generation and unprotect the CA, then trust the new root on every client) and ` +
              `reissue from it before ${caNotAfter.slice(0, 10)}`,
            this,
          );
        }
      });
    // An installed certificate that is already due is not kept: the preview says a new one is issued instead. Only
    // while this resource has no certificate of its own yet (its thumbprint unknown: created or replaced now).
    const thumbprintKnown = (this.thumbprint as unknown as { isKnown: Promise<boolean> }).isKnown;
    pulumi
      .all([
        adoptPfx,
        pfxPassword,
        args.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS,
        args.validityDays ?? DEFAULT_SERVER_VALIDITY_DAYS,
        args.autoRenew ?? true,
      ])
      .apply(async ([pfx, password, renewBeforeDays, validityDays, autoRenew]) => {
        const now = resolveNow(process.env);
        if (!pfx || !password || !autoRenew || !now.ok || (await thumbprintKnown)) return;
        const opened = openMaterial({ kind: "pfx", pfxBase64: pfx, password });
        if (isProblem(opened)) return; // check reports it
        const { notAfter, thumbprint } = opened.facts;
        // The CA's end (unknown while it is adopted in the same preview) only matters for a CA about to expire.
        if (renewalHelps({ notAfter, renewBeforeDays, validityDays, caNotAfter: undefined, now: now.now })) {
          pulumi.log.warn(
            `the installed certificate to adopt (${thumbprint}) is already due for renewal (it ends on ` +
              `${notAfter.slice(0, 10)}, renewBeforeDays ${renewBeforeDays}): this up issues a new certificate ` +
              `from the CA in its place, with a new thumbprint; install that one`,
            this,
          );
        }
      });
    pulumi
      .all([this.validityCapped, this.notAfter, args.validityDays ?? DEFAULT_SERVER_VALIDITY_DAYS])
      .apply(([capped, notAfter, days]) => {
        if (capped) {
          pulumi.log.warn(
            `validityDays ${days} reaches past the CA's expiry: this certificate ends with the CA, on ${notAfter.slice(0, 10)}`,
            this,
          );
        }
      });
  }
}

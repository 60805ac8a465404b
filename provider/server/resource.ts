/** ServerCertificate: one XProtect server's certificate, signed by the site CA, with its PFX. */
import * as pulumi from "@pulumi/pulumi";
import { outputProps, secretInput, XprotectResource } from "../dynamic";
import { renewalBlockedByCa, renewalDueOf, renewalHelps } from "../pki/renewal";
import { isProblem, openMaterial } from "../pki/adopt";
import { resolveNow } from "../runtime/clock";
import { CaCertificate, RotationStep } from "../ca/resource";
import { ECHOED_FIELDS, SECRET_FIELDS, SERVER_FIELDS, ServerFieldValues } from "./fields";

/** The table's defaults, for what the class computes itself (renewalDue, what was asked for, warnings). */
const DEFAULTS = {
  renewBeforeDays: SERVER_FIELDS.renewBeforeDays.default!,
  rsaBits: SERVER_FIELDS.rsaBits.default!,
  validityDays: SERVER_FIELDS.validityDays.default!,
  autoRenew: SERVER_FIELDS.autoRenew.default!,
};

/**
 * A field's value as a program may give it: a value or an output, and for a list each element too. Not
 * distributed over unions (`[T]`): `boolean` stays `Input<boolean>`, so that an `Output<boolean>` fits, as does an
 * `Output<RsaBits>` for `2048 | 3072 | 4096`.
 */
export type InputOf<T> = [Exclude<T, undefined>] extends [(infer U)[]]
  ? pulumi.Input<pulumi.Input<U>[]>
  : pulumi.Input<Exclude<T, undefined>>;

/** Every field of the table (fields.ts), with its doc comment, as an optional input. */
type FieldArgs = { [K in keyof ServerFieldValues]?: InputOf<ServerFieldValues[K]> };

export interface ServerCertificateArgs extends Omit<FieldArgs, "dnsNames"> {
  /** The site CA that signs it; not given with `issuer: "external"` (an enterprise CA signs elsewhere). */
  ca?: CaCertificate;
  /**
   * Set when this certificate moves to another root on purpose, as a root rotation's switch (XProtectSite sets it
   * from the site's `minStageDays`): check allows the move only once `ca` has been staged (joined the stack) for
   * this many days, so that every client trusts the new root before any server presents a certificate from it.
   */
  minStageDays?: pulumi.Input<number>;
  /**
   * Set when a root rotation's switch is undone on purpose (XProtectSite sets it for `issueFrom: ca` written while
   * `nextCa` is staged): check then allows this certificate to move back to `ca` though its generation is lower
   * than the root it has now. Without it such a move is refused as a mistake.
   */
  moveBack?: pulumi.Input<boolean>;
  /** The server's DNS names, at least one; the first is the subject CN. Lower-cased, trailing dot dropped. */
  dnsNames: InputOf<string[]>;
  /**
   * Not an input: "switch" while the site has a next root staged (XProtectSite sets it). Only the words of the
   * warning about a renewal held back by the CA's end follow.
   */
  rotationStep?: RotationStep;
}

/**
 * The warning of a certificate that is due but already ends with its CA (a reissue would not last longer): the way
 * out is the root rotation's next step.
 */
export function heldBackWarning(renewalDue: string, caNotAfter: string, rotationStep?: RotationStep): string {
  const end = caNotAfter.slice(0, 10);
  const held =
    `due for renewal since ${renewalDue.slice(0, 10)}, but this certificate already ends with the site CA ` +
    `(${end}): a new one would not last longer, so it is not reissued. `;
  if (rotationStep === "switch") {
    return (
      held +
      `A next root is staged (nextCa): switch to it (issueFrom: nextCa) before ${end}; the switch reissues this ` +
      `certificate from it (README "Rotating the root CA")`
    );
  }
  return (
    held + `Rotate to a new root before ${end}: stage nextCa, then switch (README "Rotating the root CA")`
  );
}

/** Outputs that come from issuing (the echoed inputs are the table's). */
export const ISSUED_OUTPUTS = [
  "certificatePem",
  "thumbprint",
  "sha256Fingerprint",
  "serialNumber",
  "subject",
  "notBefore",
  "notAfter",
  "renewalDue",
  "caThumbprint",
  "validityCapped",
  "pfx",
  "pfxPassword",
];

/**
 * With `issuer: "external"` only (absent otherwise, so that a certificate from the site's root keeps the state it
 * had): the issuer, the intermediates once signed, and a waiting request.
 */
export const EXTERNAL_OUTPUTS = ["issuer", "chainPem", "certificateRequestPem", "requestId", "requestedAt"];

const SECRET_OUTPUTS = ["pfx", "pfxPassword", "pendingKey"];

export class ServerCertificate extends XprotectResource {
  /** The certificate, PEM. */
  public readonly certificatePem!: pulumi.Output<string>;
  /** SHA-1 of the DER, upper-case hex: what the Server Configurator and certlm.msc show. */
  public readonly thumbprint!: pulumi.Output<string>;
  /** SHA-256 of the DER, upper-case hex. */
  public readonly sha256Fingerprint!: pulumi.Output<string>;
  /** Upper-case hex, no separators. */
  public readonly serialNumber!: pulumi.Output<string>;
  /** The subject distinguished name: CN is the first DNS name. */
  public readonly subject!: pulumi.Output<string>;
  /** The DNS names in the certificate, normalised (lower case, no trailing dot). */
  public readonly dnsNames!: pulumi.Output<string[]>;
  /** The IP addresses in the certificate, normalised. */
  public readonly ipAddresses!: pulumi.Output<string[]>;
  /** When the certificate starts to be valid (ISO 8601). */
  public readonly notBefore!: pulumi.Output<string>;
  /** When the certificate expires (ISO 8601). */
  public readonly notAfter!: pulumi.Output<string>;
  /** notAfter minus renewBeforeDays: from then on `pulumi up` reissues (when autoRenew). */
  public readonly renewalDue: pulumi.Output<string>;
  /** The thumbprint of the CA that issued it. */
  public readonly caThumbprint!: pulumi.Output<string>;
  /** True when validityDays reached past the CA's end and the certificate ends with the CA. */
  public readonly validityCapped!: pulumi.Output<boolean>;
  /** Secret. The PFX, base64. */
  public readonly pfx!: pulumi.Output<string>;
  /** Secret. */
  public readonly pfxPassword!: pulumi.Output<string>;
  /** "external" when an enterprise CA signs; undefined for the site's root. */
  public readonly issuer!: pulumi.Output<"external" | undefined>;
  /** With `issuer: "external"`, once signed: the intermediates delivered with the leaf (PEM). */
  public readonly chainPem!: pulumi.Output<string | undefined>;
  /** With `issuer: "external"`, while a request waits for its certificate: the PKCS#10 request (PEM). */
  public readonly certificateRequestPem!: pulumi.Output<string | undefined>;
  /** The waiting request's name (also named by the certificate signed for it). */
  public readonly requestId!: pulumi.Output<string | undefined>;
  /** When the waiting request was made (ISO 8601). */
  public readonly requestedAt!: pulumi.Output<string | undefined>;

  /** What was asked for, known at preview (the binding checks host names and Apple's rules against it). */
  public readonly requested: pulumi.Output<{ dnsNames: string[]; rsaBits: number; validityDays: number }>;

  constructor(name: string, args: ServerCertificateArgs, opts: pulumi.CustomResourceOptions = {}) {
    const { ca, minStageDays, moveBack, rotationStep, ...fields } = args;
    const secrets = Object.fromEntries(SECRET_FIELDS.map((f) => [f, secretInput(fields[f])]));
    super(
      "server",
      "ServerCertificate",
      name,
      {
        ...outputProps(...ISSUED_OUTPUTS, ...ECHOED_FIELDS, ...EXTERNAL_OUTPUTS),
        ...fields,
        ...secrets,
        ...(ca
          ? {
              caCertificatePem: ca.certificatePem,
              caId: ca.id,
              caSigningKey: ca.signingKey,
              caGeneration: ca.generation,
              caStagedAt: ca.stagedAt,
              minStageDays,
              moveBack,
            }
          : {}),
      },
      { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), ...SECRET_OUTPUTS] },
    );
    // Exact even when only renewBeforeDays changed (that alone updates nothing in the state).
    this.renewalDue = pulumi
      .all([this.notAfter, args.renewBeforeDays ?? DEFAULTS.renewBeforeDays])
      // Undefined while a request awaits its first signed certificate (issuer external).
      .apply(([notAfter, days]) =>
        notAfter ? renewalDueOf(notAfter, days) : (undefined as unknown as string),
      );
    this.requested = pulumi
      .all([args.dnsNames, args.rsaBits ?? DEFAULTS.rsaBits, args.validityDays ?? DEFAULTS.validityDays])
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
    pulumi.all([this.requestId, this.requestedAt, this.thumbprint]).apply(([requestId, at, thumbprint]) => {
      if (!requestId) return;
      pulumi.log.warn(
        thumbprint
          ? `renewal: request ${requestId} (made ${at}) awaits the enterprise CA's signature; the current ` +
              `certificate ${thumbprint} stays delivered until the signed certificate is in signedCertificate`
          : `awaiting signature: request ${requestId} (made ${at}) waits for the enterprise CA; until its ` +
              `certificate is in signedCertificate this server has no certificate and its binding no slots. ` +
              `npm run bundle -- --requests --out DIR writes the request and the certreq command`,
        this,
      );
    });
    pulumi
      .all([
        this.notAfter,
        this.renewalDue,
        ca?.notAfter,
        args.renewBeforeDays ?? DEFAULTS.renewBeforeDays,
        args.validityDays ?? DEFAULTS.validityDays,
        args.autoRenew ?? DEFAULTS.autoRenew,
      ])
      .apply(([notAfter, renewalDue, caNotAfter, renewBeforeDays, validityDays, autoRenew]) => {
        const now = resolveNow(process.env);
        if (!autoRenew || !now.ok || !notAfter || !caNotAfter) return;
        if (renewalBlockedByCa({ notAfter, renewBeforeDays, validityDays, caNotAfter, now: now.now })) {
          pulumi.log.warn(heldBackWarning(renewalDue, caNotAfter, rotationStep), this);
        }
      });
    // An installed certificate that is already due is not kept: the preview says a new one is issued instead. Only
    // while this resource has no certificate of its own yet (its thumbprint unknown: created or replaced now).
    const thumbprintKnown = (this.thumbprint as unknown as { isKnown: Promise<boolean> }).isKnown;
    pulumi
      .all([
        args.adoptPfx,
        args.pfxPassword,
        args.renewBeforeDays ?? DEFAULTS.renewBeforeDays,
        args.validityDays ?? DEFAULTS.validityDays,
        args.autoRenew ?? DEFAULTS.autoRenew,
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
      .all([this.validityCapped, this.notAfter, args.validityDays ?? DEFAULTS.validityDays])
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

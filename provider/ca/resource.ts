/** CaCertificate: the site's root CA, every XProtect client's trust anchor. */
import * as pulumi from "@pulumi/pulumi";
import { XprotectResource } from "../dynamic";
import { outputProps, secretInput } from "../dynamic";
import { CA_EXPIRY_WARNING_DAYS, RsaBits } from "../pki/limits";
import { daysLeft } from "../pki/renewal";
import { resolveNow } from "../runtime/clock";
import { caSuitability, ExistingMaterial, isProblem, openMaterial } from "../pki/adopt";

export interface CaCertificateArgs {
  /** Subject CN. Default "VMS Certificate Authority", as the vendor's script names it. */
  commonName?: pulumi.Input<string>;
  /** Subject O, when wanted. */
  organization?: pulumi.Input<string>;
  /** RSA key size: 2048, 3072 (default) or 4096. */
  rsaBits?: pulumi.Input<RsaBits>;
  /** Days from issuance to expiry. Default 3650. A CA is never renewed by the clock. */
  validityDays?: pulumi.Input<number>;
  /** The name the Windows certificate manager shows for it. Default "VMS CA Certificate". */
  friendlyName?: pulumi.Input<string>;
  /**
   * Default 0. Bump it (and unprotect the resource) to make a new CA on purpose; every other change that would
   * make a new key or subject is refused at preview.
   */
  generation?: pulumi.Input<number>;
  /**
   * Adopt an existing CA instead of making one: its PFX in base64 (as Export-PfxCertificate writes it, 3DES or
   * AES), with `adoptPfxPassword`. Its thumbprint, subject and key are kept; commonName, organization, rsaBits
   * and validityDays come from it and must be left out. Kept secret.
   */
  adoptPfx?: pulumi.Input<string>;
  /** The password of `adoptPfx`. Kept secret. */
  adoptPfxPassword?: pulumi.Input<string>;
  /** Or adopt from PEM: the CA certificate (e.g. @pulumi/tls SelfSignedCert.certPem)... */
  adoptCertificatePem?: pulumi.Input<string>;
  /** ...and its private key, unencrypted PKCS#1 or PKCS#8 (e.g. @pulumi/tls PrivateKey.privateKeyPem). Kept secret. */
  adoptPrivateKeyPem?: pulumi.Input<string>;
  /**
   * Not an input: this root's place in a root rotation under way (XProtectSite sets it). Only the words of the expiry
   * warning follow.
   */
  rotationStep?: RotationStep;
}

/**
 * A root's place in a root rotation, as the step that comes next for it: "switch" (the active root while a next
 * root is staged), "retire" (the previous root, once switched), "next" (the staged next root itself).
 */
export type RotationStep = "switch" | "retire" | "next";

const SECRET_OUTPUTS = ["privateKeyPem", "signingKey"];

export class CaCertificate extends XprotectResource {
  /** The root certificate, PEM. */
  public readonly certificatePem!: pulumi.Output<string>;
  /** The root certificate, DER in base64: what clients import as a .cer file. */
  public readonly certificateDer!: pulumi.Output<string>;
  /** Secret. PKCS#8 PEM. */
  public readonly privateKeyPem!: pulumi.Output<string>;
  /** SHA-1 of the DER, upper-case hex: as Windows shows it. */
  public readonly thumbprint!: pulumi.Output<string>;
  /** SHA-256 of the DER, upper-case hex. */
  public readonly sha256Fingerprint!: pulumi.Output<string>;
  /** Upper-case hex, no separators. */
  public readonly serialNumber!: pulumi.Output<string>;
  /** The subject distinguished name, e.g. "CN=VMS Certificate Authority". */
  public readonly subject!: pulumi.Output<string>;
  /** ISO 8601. */
  public readonly notBefore!: pulumi.Output<string>;
  /** ISO 8601. */
  public readonly notAfter!: pulumi.Output<string>;
  /** The name the Windows certificate manager shows. */
  public readonly friendlyName!: pulumi.Output<string>;
  /** Secret. The key in the compact form server certificates take (`caSigningKey`). */
  public readonly signingKey!: pulumi.Output<string>;
  /** True when the CA was adopted rather than made here. */
  public readonly adopted!: pulumi.Output<boolean>;
  /** True for an adopted CA without basicConstraints (as the vendor's script makes it): see the warning. */
  public readonly basicConstraintsAbsent!: pulumi.Output<boolean>;
  /** ISO 8601: when this root joined the stack (made or adopted). A rotation's switch waits minStageDays from it. */
  public readonly stagedAt!: pulumi.Output<string>;
  /** The root's generation (0 unless bumped or rotated): a certificate never moves back to a lower one by accident. */
  public readonly generation!: pulumi.Output<number>;

  /**
   * Created with `protect: true` unless the options say otherwise: replacing a root CA means trusting a new one
   * on every client, so it never happens by accident.
   */
  constructor(name: string, allArgs: CaCertificateArgs = {}, opts: pulumi.CustomResourceOptions = {}) {
    const { rotationStep, ...args } = allArgs;
    super(
      "ca",
      "CaCertificate",
      name,
      {
        ...outputProps(
          "certificatePem",
          "certificateDer",
          "privateKeyPem",
          "thumbprint",
          "sha256Fingerprint",
          "serialNumber",
          "subject",
          "notBefore",
          "notAfter",
          "friendlyName",
          "signingKey",
          "adopted",
          "basicConstraintsAbsent",
          "stagedAt",
          "generation",
        ),
        ...args,
        adoptPfx: secretInput(args.adoptPfx),
        adoptPfxPassword: secretInput(args.adoptPfxPassword),
        adoptPrivateKeyPem: secretInput(args.adoptPrivateKeyPem),
      },
      {
        protect: true,
        ...opts,
        additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), ...SECRET_OUTPUTS],
      },
    );
    this.notAfter.apply((notAfter) => {
      const warning = caExpiryWarning(notAfter, process.env, rotationStep);
      if (warning) pulumi.log.warn(warning, this);
    });
    // From the inputs, so that the preview of the first adoption already says it.
    pulumi
      .all([args.adoptPfx, args.adoptPfxPassword, args.adoptCertificatePem, args.adoptPrivateKeyPem])
      .apply(([pfx, password, certificatePem, privateKeyPem]) => {
        const material: ExistingMaterial | undefined =
          pfx && password
            ? { kind: "pfx", pfxBase64: pfx, password }
            : certificatePem && privateKeyPem
              ? { kind: "pem", certificatePem, privateKeyPem }
              : undefined;
        if (!material) return;
        const opened = openMaterial(material);
        if (isProblem(opened)) return; // check reports it
        if (caSuitability(opened.certificateDer, new Date()).basicConstraintsAbsent) {
          pulumi.log.warn(BASIC_CONSTRAINTS_WARNING, this);
        }
      });
  }
}

/** The warning a CA close to expiry gets at every preview and up (undefined when not close). */
export function caExpiryWarning(
  notAfter: string | undefined,
  env: Record<string, string | undefined>,
  rotationStep?: RotationStep,
): string | undefined {
  const now = resolveNow(env);
  if (!notAfter || !now.ok) return undefined;
  const left = daysLeft(notAfter, now.now);
  if (left > CA_EXPIRY_WARNING_DAYS) return undefined;
  const when =
    left < 0
      ? `expired on ${notAfter.slice(0, 10)}`
      : `expires on ${notAfter.slice(0, 10)} (in ${left} day${left === 1 ? "" : "s"})`;
  if (rotationStep === "switch") {
    return (
      `The site CA ${when}. A next root is staged (nextCa): the next step is the switch. Once every client trusts ` +
      `the next root, set issueFrom: nextCa (the servers' certificates are reissued from it), then retire this one ` +
      `(README "Rotating the root CA").`
    );
  }
  if (rotationStep === "next") {
    return (
      `The next root CA (nextCa, staged, issuing nothing yet) ${when}. Switching to it would not last: stage a ` +
      `longer-lived one instead (nextCa with a higher generation and more validityDays) before the switch ` +
      `(README "Rotating the root CA").`
    );
  }
  if (rotationStep === "retire") {
    return (
      `The previous root CA ${when}. The servers were switched to the next root; the next step is the retire: ` +
      `once every server runs its new certificate, move nextCa's settings into ca and remove nextCa, issueFrom ` +
      `and minStageDays (README "Rotating the root CA").`
    );
  }
  return (
    `The site CA ${when}. A CA is never renewed automatically: rotate to a new root without an outage. Stage ` +
    `it (nextCa with the next generation; npm run renewals -- --apply writes that step), let every client trust ` +
    `it, switch (issueFrom: nextCa), then retire the old root (README "Rotating the root CA").`
  );
}

/** Said at every preview and up of a site whose adopted CA has no basicConstraints. */
export const BASIC_CONSTRAINTS_WARNING =
  "The adopted CA has no basicConstraints extension (the vendor's New-SelfSignedCertificate script makes it so). " +
  "Windows and Schannel accept it as a root; strict verifiers (OpenSSL with -x509_strict, some Java and Go " +
  "clients) refuse certificates it signs. Rotate to a root made here when such clients appear (README " +
  '"Rotating the root CA").';

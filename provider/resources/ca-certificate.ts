/** CaCertificate: the site's root CA, every XProtect client's trust anchor. */
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "../dynamic";
import { outputProps } from "./outputs";
import { CA_EXPIRY_WARNING_DAYS, DAY_MS, RsaBits } from "../pki/limits";
import { resolveNow } from "../pki/clock";

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
}

const SECRET_OUTPUTS = ["privateKeyPem"];

export class CaCertificate extends pulumi.dynamic.Resource {
  /** The root certificate, PEM. */
  public readonly certificatePem!: pulumi.Output<string>;
  /** The root certificate, DER in base64: what clients import as a .cer file. */
  public readonly certificateDer!: pulumi.Output<string>;
  /** Secret. PKCS#8 PEM. */
  public readonly privateKeyPem!: pulumi.Output<string>;
  /** SHA-1 of the DER, upper-case hex: as Windows shows it. */
  public readonly thumbprint!: pulumi.Output<string>;
  public readonly sha256Fingerprint!: pulumi.Output<string>;
  public readonly serialNumber!: pulumi.Output<string>;
  public readonly subject!: pulumi.Output<string>;
  /** ISO 8601. */
  public readonly notBefore!: pulumi.Output<string>;
  /** ISO 8601. */
  public readonly notAfter!: pulumi.Output<string>;
  public readonly friendlyName!: pulumi.Output<string>;

  /**
   * Created with `protect: true` unless the options say otherwise: replacing a root CA means trusting a new one
   * on every client, so it never happens by accident.
   */
  constructor(name: string, args: CaCertificateArgs = {}, opts: pulumi.CustomResourceOptions = {}) {
    super(
      dynamicProvider("ca"),
      name,
      {
        ...args,
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
        ),
      },
      {
        protect: true,
        ...opts,
        additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), ...SECRET_OUTPUTS],
      },
      "xprotect-certs",
      "CaCertificate",
    );
    this.notAfter.apply((notAfter) => {
      const warning = caExpiryWarning(notAfter, process.env);
      if (warning) pulumi.log.warn(warning, this);
    });
  }
}

/** The warning a CA close to expiry gets at every preview and up (undefined when not close). */
export function caExpiryWarning(
  notAfter: string | undefined,
  env: Record<string, string | undefined>,
): string | undefined {
  const now = resolveNow(env);
  if (!notAfter || !now.ok) return undefined;
  const daysLeft = Math.floor((Date.parse(notAfter) - now.now.getTime()) / DAY_MS);
  if (daysLeft > CA_EXPIRY_WARNING_DAYS) return undefined;
  const when =
    daysLeft < 0
      ? `expired on ${notAfter.slice(0, 10)}`
      : `expires on ${notAfter.slice(0, 10)} (in ${daysLeft} day${daysLeft === 1 ? "" : "s"})`;
  return (
    `The site CA ${when}. A CA is never renewed automatically: plan a new one (bump its generation), ` +
    `distribute the new root to every client, then reissue the server certificates.`
  );
}

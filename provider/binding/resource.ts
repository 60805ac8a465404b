/** CertificateBinding: a server certificate on an XProtect role, with what an installer needs to apply it. */
import * as pulumi from "@pulumi/pulumi";
import { XprotectResource } from "../dynamic";
import { outputProps } from "../dynamic";
import type { Role, Slot } from "../xprotect/roles";
import type { SlotBinding } from "./provider";
import { ServerCertificate } from "../server/resource";

export interface CertificateBindingArgs {
  certificate: ServerCertificate;
  role: pulumi.Input<Role>;
  /** The server's FQDN: must be one of the certificate's DNS names. */
  hostname: pulumi.Input<string>;
  /** The account that runs the role's service and must read the key. Default NT AUTHORITY\NETWORK SERVICE. */
  serviceAccount?: pulumi.Input<string>;
  /** Encryption slots; default: the role's own (see README). */
  slots?: pulumi.Input<pulumi.Input<Slot>[]>;
}

export class CertificateBinding extends XprotectResource {
  public readonly thumbprint!: pulumi.Output<string>;
  public readonly notAfter!: pulumi.Output<string>;
  public readonly role!: pulumi.Output<Role>;
  public readonly hostname!: pulumi.Output<string>;
  /** The role's Windows service. */
  public readonly serviceName!: pulumi.Output<string>;
  public readonly serviceAccount!: pulumi.Output<string>;
  /** Each slot with its certificate group id and the Server Configurator command line. */
  public readonly slots!: pulumi.Output<SlotBinding[]>;

  constructor(name: string, args: CertificateBindingArgs, opts: pulumi.CustomResourceOptions = {}) {
    const { certificate, ...rest } = args;
    super(
      "binding",
      "CertificateBinding",
      name,
      {
        // slots and serviceAccount too: without them given, the provider fills in the role's defaults.
        ...outputProps("role", "hostname", "serviceName", "serviceAccount", "slots", "slotNames"),
        ...rest,
        thumbprint: certificate.thumbprint,
        notAfter: certificate.notAfter,
        certificateDnsNames: certificate.requested.dnsNames,
        certificateRsaBits: certificate.requested.rsaBits,
        certificateValidityDays: certificate.requested.validityDays,
      },
      opts,
    );
  }
}

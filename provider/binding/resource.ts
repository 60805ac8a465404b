/** CertificateBinding: a server certificate on an XProtect role, with what an installer needs to apply it. */
import * as pulumi from "@pulumi/pulumi";
import { XprotectResource } from "../dynamic";
import { outputProps } from "../dynamic";
import type { Role, Slot } from "../xprotect/roles";
import type { SlotBinding } from "./provider";
import { ServerCertificate } from "../server/resource";

export interface CertificateBindingArgs {
  /** The server certificate to bind. */
  certificate: ServerCertificate;
  /** The XProtect role the server runs (decides the service, the default slots and the rules). */
  role: pulumi.Input<Role>;
  /** The server's FQDN: must be one of the certificate's DNS names. */
  hostname: pulumi.Input<string>;
  /** The account that runs the role's service and must read the key. Default NT AUTHORITY\NETWORK SERVICE. */
  serviceAccount?: pulumi.Input<string>;
  /** Encryption slots; default: the role's own (see README). */
  slots?: pulumi.Input<pulumi.Input<Slot>[]>;
}

export class CertificateBinding extends XprotectResource {
  /** The bound certificate's SHA-1 thumbprint, upper-case hex. */
  public readonly thumbprint!: pulumi.Output<string>;
  /** When the bound certificate expires (ISO 8601). */
  public readonly notAfter!: pulumi.Output<string>;
  /** The XProtect role, as given. */
  public readonly role!: pulumi.Output<Role>;
  /** The server's FQDN, normalised (lower case, no trailing dot). */
  public readonly hostname!: pulumi.Output<string>;
  /** The role's Windows service. */
  public readonly serviceName!: pulumi.Output<string>;
  /** The account that runs the service and must read the key (default NT AUTHORITY\NETWORK SERVICE). */
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

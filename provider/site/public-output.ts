/**
 * A server's entry of `servers` with its public certificate: `publicCertificate`, and its slots' thumbprint and
 * Server Configurator command naming the public certificate (the other slots keep the site root's).
 */
import * as pulumi from "@pulumi/pulumi";
import type { PublicCertificateOutput, ServerOutput } from "../contract";
import type { PublicCertificate } from "../acme/resource";
import { enableEncryptionCommand, Slot } from "../xprotect/roles";

export function withPublicCertificate(
  server: pulumi.Output<ServerOutput>,
  pc: PublicCertificate,
): pulumi.Output<ServerOutput> {
  return pulumi
    .all([
      server,
      pc.thumbprint,
      pc.serialNumber,
      pc.notBefore,
      pc.notAfter,
      pc.renewalDue,
      pc.dnsNames,
      pc.slots,
    ])
    .apply(([s, thumbprint, serialNumber, notBefore, notAfter, renewalDue, dnsNames, slots]) => {
      const publicCertificate: PublicCertificateOutput = {
        thumbprint,
        serialNumber,
        notBefore,
        notAfter,
        renewalDue,
        dnsNames,
        slots,
      };
      return {
        ...s,
        publicCertificate,
        slots: s.slots?.map((entry) =>
          slots.includes(entry.slot as Slot)
            ? { ...entry, thumbprint, command: enableEncryptionCommand(entry.slot as Slot, thumbprint) }
            : entry,
        ),
      };
    });
}

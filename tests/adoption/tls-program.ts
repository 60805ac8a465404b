/**
 * The @pulumi/tls hand-over, as a team that already made its CA with @pulumi/tls would write it (the README
 * shows the same code): the tls resources' PEM outputs become CaCertificate's adoption inputs.
 */
import * as tls from "@pulumi/tls";
import { CaCertificate, ServerCertificate } from "../../provider";

export function tlsHandOverProgram() {
  const caKey = new tls.PrivateKey("ca-key", { algorithm: "RSA", rsaBits: 3072 });
  const caCert = new tls.SelfSignedCert("ca-cert", {
    privateKeyPem: caKey.privateKeyPem,
    isCaCertificate: true,
    allowedUses: ["cert_signing", "crl_signing"],
    subject: { commonName: "VMS Certificate Authority", organization: "Example Security Ltd" },
    validityPeriodHours: 10 * 365 * 24,
  });
  const ca = new CaCertificate("site-ca", {
    adoptCertificatePem: caCert.certPem,
    adoptPrivateKeyPem: caKey.privateKeyPem,
  });
  const rec01 = new ServerCertificate("rec01", { ca, dnsNames: ["rec01.vms.example.local"] });
  return { ca, caCert, rec01 };
}

/** AcmeAccount and PublicCertificate: the site's account at an ACME CA, and a server's certificate from it. */
import * as pulumi from "@pulumi/pulumi";
import { outputProps, secretInput, XprotectResource } from "../dynamic";
import type { PfxProfile } from "../pki";
import type { Slot } from "../xprotect/roles";

export interface AcmeAccountArgs {
  /** The directory URL (provider/acme/fields.ts maps letsencrypt and letsencrypt-staging). */
  directoryUrl: pulumi.Input<string>;
  email: pulumi.Input<string>;
  /** External account binding (ZeroSSL, Sectigo, Google): the key id and, secret, the HMAC key. */
  eabKeyId?: pulumi.Input<string>;
  eabHmacKey?: pulumi.Input<string>;
}

export class AcmeAccount extends XprotectResource {
  public readonly directoryUrl!: pulumi.Output<string>;
  public readonly email!: pulumi.Output<string>;
  /** The account's URL at the CA (its id). */
  public readonly accountUrl!: pulumi.Output<string>;
  /** Secret. The account key, PEM: made once and reused. */
  public readonly accountKey!: pulumi.Output<string>;

  constructor(name: string, args: AcmeAccountArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      "acmeAccount",
      "AcmeAccount",
      name,
      {
        ...outputProps("directoryUrl", "email", "eabKeyId", "accountUrl", "accountKey"),
        ...args,
        eabHmacKey: secretInput(args.eabHmacKey),
      },
      { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "accountKey"] },
    );
  }
}

export interface PublicCertificateArgs {
  account: AcmeAccount;
  /** Public DNS names; the first is the subject CN. */
  dnsNames: pulumi.Input<pulumi.Input<string>[]>;
  /** The client-facing slots that use it. */
  slots: Slot[];
  /** `<command...> present|cleanup <fqdn.> <value>`, run in the project folder. */
  dns01Command: string[];
  dns01Resolvers?: string[];
  /** The folder the command is relative to and runs in (not compared: moving the project changes nothing). */
  projectDir: string;
  renewBeforeDays: pulumi.Input<number>;
  pfxProfile: pulumi.Input<PfxProfile>;
  friendlyName: pulumi.Input<string>;
  pfxPassword?: pulumi.Input<string>;
}

const OUTPUTS = [
  "certificatePem",
  "chainPem",
  "thumbprint",
  "serialNumber",
  "subject",
  "notBefore",
  "notAfter",
  "renewalDue",
  "renewalBasis",
  "issuedBy",
  "pfx",
  "pfxPassword",
  "dnsNames",
  "slots",
];

export class PublicCertificate extends XprotectResource {
  public readonly certificatePem!: pulumi.Output<string>;
  /** The intermediates (PEM), never the root. */
  public readonly chainPem!: pulumi.Output<string>;
  public readonly thumbprint!: pulumi.Output<string>;
  public readonly serialNumber!: pulumi.Output<string>;
  public readonly subject!: pulumi.Output<string>;
  public readonly notBefore!: pulumi.Output<string>;
  public readonly notAfter!: pulumi.Output<string>;
  /** From then on `up` orders a new certificate. */
  public readonly renewalDue!: pulumi.Output<string>;
  /** renewBeforeDays, twoThirdsOfLifetime or renewalInfo (the CA's suggested window, RFC 9773). */
  public readonly renewalBasis!: pulumi.Output<string>;
  public readonly issuedBy!: pulumi.Output<string>;
  public readonly dnsNames!: pulumi.Output<string[]>;
  public readonly slots!: pulumi.Output<Slot[]>;
  /** Secret. The PFX (leaf, intermediates, key), base64. */
  public readonly pfx!: pulumi.Output<string>;
  /** Secret. */
  public readonly pfxPassword!: pulumi.Output<string>;

  constructor(name: string, args: PublicCertificateArgs, opts: pulumi.CustomResourceOptions = {}) {
    const { account, pfxPassword, ...rest } = args;
    super(
      "public",
      "PublicCertificate",
      name,
      {
        ...outputProps(...OUTPUTS),
        ...rest,
        dns01Resolvers: args.dns01Resolvers ?? [],
        directoryUrl: account.directoryUrl,
        accountUrl: account.accountUrl,
        accountKey: pulumi.secret(account.accountKey),
        pfxPassword: secretInput(pfxPassword),
      },
      { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "pfx", "pfxPassword"] },
    );
  }
}

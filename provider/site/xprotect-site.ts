/**
 * XProtectSite: a whole XProtect site as one component: the site CA, and for each server its certificate (with
 * PFX) and its binding, as the component's children, with the outputs installers read (contract version 1).
 * The stack program of this repository (stacks/index.ts) is this component fed from the stack's config.
 */
import * as pulumi from "@pulumi/pulumi";
import { CaCertificate } from "../ca/resource";
import { CertificateBinding } from "../binding/resource";
import { ServerCertificate, ServerCertificateArgs } from "../server/resource";
import { SERVER_FIELDS, SERVER_SETTING_KEYS } from "../server/fields";
import { BINDING_SETTING_KEYS } from "../binding/fields";
import { UNKNOWN } from "../validate/fields";
import { ROLE_FACTS } from "../xprotect/roles";
import { formatFailures, parseSite, ServerSpec, SiteAdoption } from "./config";
import type { XProtectServer, XProtectSiteArgs } from "./args";
import { given, givenAll, siteView, unknownIn, withoutPlainFields } from "./inputs";
import { CONTRACT_VERSION, IdentityProviderCertificateOutput, ServerOutput } from "./outputs";
import { isRecord } from "../contract";
import { AcmeAccount, PublicCertificate } from "../acme/resource";
import { withPublicCertificate } from "./public-output";
import type { IntermediateCaCertificate, TrustedCaCertificate, TrustedCaStatus } from "../contract";
import { createHash, X509Certificate } from "node:crypto";
import { derToPem, pemToDer } from "../pki/x509";
import { clusterDnsNames, IDENTITY_PROVIDER_DNS_NAME, IDENTITY_PROVIDER_FRIENDLY_NAME } from "./cluster";

/** The site's arguments have problems: nothing is registered. Its message lists every problem, one per line. */
export class SiteConfigError extends pulumi.RunError {}

/** The component's type token. */
export const XPROTECT_SITE_TYPE = "xprotect-certs:index:XProtectSite";

export class XProtectSite extends pulumi.ComponentResource {
  /** 1: the version of the outputs' contract (stacks/outputs.schema.json). */
  public readonly contractVersion: pulumi.Output<number>;
  /** The issuing root's certificate, PEM. */
  public readonly caCertificatePem: pulumi.Output<string>;
  /** Base64 DER: the .cer clients import. */
  public readonly caCertificateDer: pulumi.Output<string>;
  /** The issuing root's SHA-1 thumbprint, upper-case hex. */
  public readonly caThumbprint: pulumi.Output<string>;
  /** When the issuing root expires (ISO 8601). */
  public readonly caNotAfter: pulumi.Output<string>;
  /** Server name to its certificate's facts, service and Server Configurator commands. */
  public readonly servers: pulumi.Output<Record<string, ServerOutput>>;
  /** Secret. Server name to base64 PFX. */
  public readonly pfx: pulumi.Output<Record<string, string>>;
  /** Secret. Server name to PFX password. */
  public readonly pfxPasswords: pulumi.Output<Record<string, string>>;
  /** Secret. Clustered management server's name to its identity provider PFX, base64; absent without a cluster. */
  public readonly identityProviderPfx?: pulumi.Output<Record<string, string>>;
  /** Secret. The passwords of `identityProviderPfx`; absent without a cluster. */
  public readonly identityProviderPfxPasswords?: pulumi.Output<Record<string, string>>;
  /** Secret. Server name to the base64 PFX of its public certificate (servers with `public` only). */
  public readonly publicPfx: pulumi.Output<Record<string, string>>;
  /** Secret. Server name to its public PFX's password. */
  public readonly publicPfxPasswords: pulumi.Output<Record<string, string>>;
  /** The site's account at its ACME CA (config `acme`), when it has one. */
  public readonly acmeAccount?: AcmeAccount;
  /** Server name to its PublicCertificate (resource `<site>-<server>-public`), for servers with `public`. */
  public readonly publicCertificates: Record<string, PublicCertificate>;

  /**
   * Every root clients must trust now: the active one (it issues the server certificates) and, during a root
   * rotation, the next (staged, issuing nothing yet) or the previous (switched from, still trusted).
   */
  public readonly trustedCaCertificates: pulumi.Output<TrustedCaCertificate[]>;

  /** The children, for programs that need more than the contract (e.g. a certificate's PEM). */
  public readonly ca: CaCertificate;
  /** During a root rotation: the next root (config `nextCa`). */
  public readonly nextCa?: CaCertificate;
  /** The root that issues the server certificates: `ca`, or `nextCa` once switched (`issueFrom: nextCa`). */
  public readonly issuingCa: CaCertificate;
  /** Server name to its ServerCertificate (resource `<site>-<server>`). */
  public readonly certificates: Record<string, ServerCertificate>;
  /** Server name to its CertificateBinding (resource `<site>-<server>`). */
  public readonly bindings: Record<string, CertificateBinding>;
  /**
   * A clustered management server's identity provider data-protection certificate (resource
   * `<site>-<server>/identity-provider`), by server name; empty without `clusterNodes`.
   */
  public readonly identityProviderCertificates: Record<string, ServerCertificate>;

  /**
   * Checks the whole site first (as `pulumi preview` of the stack program does: every problem in one error,
   * each naming the field, the value and the fix) and registers nothing when there is one.
   *
   * The children are named after the site: the CA `<name>-ca` (`<name>-ca-g<N>` for a root of generation N), each
   * server's certificate and binding `<name>-<server>`, so that several sites in one stack may use the same server
   * names. A server's children answer to their earlier names too (aliases): the bare server name inside the
   * component (as the component named them before) and at the stack's top level (as this repository's stack
   * program did before the component existed), so that such stacks upgrade with nothing replaced or reissued.
   *
   * The CA is created protected (see CaCertificate); `protect` given here applies to every child.
   */
  constructor(name: string, args: XProtectSiteArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const site = checkedSite(args);
    super(XPROTECT_SITE_TYPE, name, {}, opts);

    const moved = { parent: this, aliases: [{ parent: pulumi.rootStackResource }] };
    const withProtect = opts.protect === undefined ? {} : { protect: opts.protect };
    const adopt = args.adopt ?? {};
    // A root's resource is named by its generation, so that the next root keeps its resource when its settings
    // move into `ca` at the retire. The active root of a generation above 0 also answers to the name all roots
    // had before rotation existed (`<name>-ca`): a stack whose CA was replaced by a generation bump keeps it.
    const caGeneration = site.ca.generation ?? 0;
    const switched = site.issueFrom === "nextCa" && site.nextCa !== undefined;
    // Only the words of the warnings: the rotation step that takes the site off the root `ca` names.
    const rotationStep = site.nextCa === undefined ? undefined : switched ? "retire" : "switch";
    const legacyName = `${name}-ca`;
    this.ca = new CaCertificate(
      rootName(name, caGeneration),
      {
        ...givenAll(args.ca, site.ca),
        adoptPfx: adopt.caPfx,
        adoptPfxPassword: adopt.caPfxPassword,
        adoptCertificatePem: adopt.caCertificatePem,
        adoptPrivateKeyPem: adopt.caPrivateKeyPem,
        ...(rotationStep ? { rotationStep } : {}),
      },
      {
        ...moved,
        ...withProtect,
        aliases:
          caGeneration === 0
            ? moved.aliases
            : [
                ...moved.aliases,
                { name: legacyName },
                { name: legacyName, parent: pulumi.rootStackResource },
              ],
      },
    );
    if (site.nextCa) {
      const nextArgs = {
        ...givenAll(args.nextCa, site.nextCa),
        ...(switched ? {} : { rotationStep: "next" as const }),
      };
      this.nextCa = new CaCertificate(rootName(name, site.nextCa.generation), nextArgs, {
        parent: this,
        ...withProtect,
      });
    }
    this.issuingCa = switched ? this.nextCa! : this.ca;

    this.certificates = {};
    this.bindings = {};
    this.identityProviderCertificates = {};
    const idpPfx: Record<string, pulumi.Output<string>> = {};
    const idpPfxPasswords: Record<string, pulumi.Output<string>> = {};
    this.publicCertificates = {};
    const publicPfx: Record<string, pulumi.Output<string>> = {};
    const publicPfxPasswords: Record<string, pulumi.Output<string>> = {};
    if (site.acme) {
      this.acmeAccount = new AcmeAccount(
        `${name}-acme`,
        {
          directoryUrl: site.acme.directoryUrl,
          email: site.acme.email,
          ...(site.acme.eabKeyId ? { eabKeyId: site.acme.eabKeyId, eabHmacKey: args.acmeEabHmacKey } : {}),
        },
        { parent: this, ...withProtect },
      );
    }
    const servers: Record<string, pulumi.Output<ServerOutput>> = {};
    const pfx: Record<string, pulumi.Output<string>> = {};
    const pfxPasswords: Record<string, pulumi.Output<string>> = {};
    for (const spec of site.servers) {
      // The program's own inputs (outputs of other resources among them) where the checks could not see a value.
      const server: Partial<XProtectServer> = own(args.servers, spec.name) ?? {};
      const inputs: Record<string, unknown> = { ...args.defaults, ...server };
      const hostname = given(server.hostname, spec.hostname);
      const dnsNames = spec.clusterNodes
        ? clusterNames(server, spec.clusterNodes, spec.dnsNames)
        : given(server.dnsNames ?? [server.hostname], spec.dnsNames);
      const ipAddresses = given(server.ipAddresses, spec.ipAddresses);
      // Earlier names: the bare server name in the component, and at the stack's top level (see above).
      const named = {
        parent: this,
        aliases: [{ name: spec.name }, { name: spec.name, parent: pulumi.rootStackResource }],
        ...withProtect,
      };
      // The site's root (and its rotation) issues unless an enterprise CA signs an external server's request.
      const issuedBy = {
        ca: this.issuingCa,
        ...(switched ? { minStageDays: site.minStageDays } : {}),
        ...(site.nextCa && site.switchUndone ? { moveBack: true } : {}),
        ...(rotationStep === "switch" ? { rotationStep: "switch" as const } : {}),
      } satisfies Partial<ServerCertificateArgs>;
      const issuer =
        spec.issuer === "external"
          ? { externalRoots: site.externalRoots, signedCertificate: spec.signedCertificate }
          : issuedBy;
      const certificate = new ServerCertificate(
        `${name}-${spec.name}`,
        {
          ...givenAll(inputs, pick(spec, SERVER_SETTING_KEYS)),
          ...issuer,
          dnsNames,
          ipAddresses,
          pfxPassword: own(args.pfxPasswords, spec.name),
          adoptPfx: own(adopt.serverPfx, spec.name),
        },
        named,
      );
      const binding = new CertificateBinding(
        `${name}-${spec.name}`,
        {
          certificate,
          role: spec.role,
          hostname,
          ...givenAll(inputs, pick(spec, BINDING_SETTING_KEYS)),
          slots: spec.slots,
        },
        named,
      );
      this.certificates[spec.name] = certificate;
      this.bindings[spec.name] = binding;
      let idp: ServerCertificate | undefined;
      if (spec.clusterNodes) {
        // Its own key and PFX, from the same root, renewed by the server's renewal settings but never with its
        // certificate (no generation, names or password of the server's): a new one means a failover and the
        // external identity provider's secret entered again. "/" keeps its name apart from every server's.
        idp = new ServerCertificate(
          `${name}-${spec.name}/identity-provider`,
          {
            ...givenAll(inputs, pick(spec, IDENTITY_PROVIDER_SETTING_KEYS)),
            ...issuedBy,
            dnsNames: [IDENTITY_PROVIDER_DNS_NAME],
            friendlyName: IDENTITY_PROVIDER_FRIENDLY_NAME,
          },
          { parent: this, ...withProtect },
        );
        this.identityProviderCertificates[spec.name] = idp;
        idpPfx[spec.name] = idp.pfx;
        idpPfxPasswords[spec.name] = idp.pfxPassword;
      }
      servers[spec.name] = serverOutput(
        spec,
        certificate,
        binding,
        { hostname, dnsNames, ipAddresses },
        site.externalTemplate,
        idp,
      );
      if (spec.public && site.acme && this.acmeAccount) {
        const publicCertificate = new PublicCertificate(
          `${name}-${spec.name}-public`,
          {
            account: this.acmeAccount,
            dnsNames: spec.public.dnsNames,
            slots: spec.public.slots,
            dns01Command: site.acme.dns01Command,
            dns01Resolvers: site.acme.dns01Resolvers,
            projectDir: args.projectDir ?? process.cwd(),
            renewBeforeDays:
              given(inputs.renewBeforeDays, spec.renewBeforeDays) ?? SERVER_FIELDS.renewBeforeDays.default!,
            pfxProfile: given(inputs.pfxProfile, spec.pfxProfile) ?? SERVER_FIELDS.pfxProfile.default!,
            friendlyName:
              given(inputs.friendlyName, spec.friendlyName) ?? SERVER_FIELDS.friendlyName.default!,
            pfxPassword: own(args.pfxPasswords, spec.name),
          },
          { parent: this, ...withProtect },
        );
        this.publicCertificates[spec.name] = publicCertificate;
        servers[spec.name] = withPublicCertificate(servers[spec.name], publicCertificate);
        publicPfx[spec.name] = publicCertificate.pfx;
        publicPfxPasswords[spec.name] = publicCertificate.pfxPassword;
      }
      pfx[spec.name] = certificate.pfx;
      pfxPasswords[spec.name] = certificate.pfxPassword;
    }

    this.contractVersion = pulumi.output(CONTRACT_VERSION);
    this.caCertificatePem = this.issuingCa.certificatePem;
    this.caCertificateDer = this.issuingCa.certificateDer;
    this.caThumbprint = this.issuingCa.thumbprint;
    this.caNotAfter = this.issuingCa.notAfter;
    const roots: Array<[CaCertificate, TrustedCaStatus]> = [[this.issuingCa, "active"]];
    if (this.nextCa) roots.push(switched ? [this.ca, "previous"] : [this.nextCa, "next"]);
    // The enterprise roots external servers chain to, when a server has issuer external (known at program time).
    const external = site.servers.some((s) => s.issuer === "external") ? (site.externalRoots ?? []) : [];
    this.trustedCaCertificates = pulumi.all([
      ...roots.map(([ca, status]) => trustedRoot(ca, status)),
      ...external.map((pem) => pulumi.output(externalRoot(pem))),
    ]);
    this.servers = pulumi.all(servers);
    // A server awaiting its first signed certificate (issuer external) has no PFX yet: no entry.
    this.pfx = pulumi.secret(pulumi.all(pfx).apply(present));
    this.pfxPasswords = pulumi.secret(
      pulumi
        .all([pulumi.all(pfx), pulumi.all(pfxPasswords)])
        .apply(([p, w]) => present(pick(w, Object.keys(present(p))))),
    );
    if (Object.keys(idpPfx).length > 0) {
      this.identityProviderPfx = pulumi.secret(pulumi.all(idpPfx));
      this.identityProviderPfxPasswords = pulumi.secret(pulumi.all(idpPfxPasswords));
    }
    this.publicPfx = pulumi.secret(pulumi.all(publicPfx));
    this.publicPfxPasswords = pulumi.secret(pulumi.all(publicPfxPasswords));
    // The non-secret outputs, so that `pulumi stack export` and the Pulumi Cloud console show them on the
    // component; the PFX and passwords only in the children's state (and in the stack's outputs when exported).
    this.registerOutputs({
      contractVersion: this.contractVersion,
      caCertificatePem: this.caCertificatePem,
      caCertificateDer: this.caCertificateDer,
      caThumbprint: this.caThumbprint,
      caNotAfter: this.caNotAfter,
      trustedCaCertificates: this.trustedCaCertificates,
      servers: this.servers,
    });
  }
}

/** A root's resource name: `<site>-ca` for generation 0, `<site>-ca-g<N>` above. */
const rootName = (site: string, generation: number): string =>
  generation === 0 ? `${site}-ca` : `${site}-ca-g${generation}`;

/** One entry of `trustedCaCertificates`. */
function trustedRoot(ca: CaCertificate, status: TrustedCaStatus): pulumi.Output<TrustedCaCertificate> {
  return pulumi
    .all([ca.thumbprint, ca.notAfter, ca.certificatePem, ca.certificateDer])
    .apply(([thumbprint, notAfter, certificatePem, certificateDer]) => ({
      thumbprint,
      notAfter,
      certificatePem,
      certificateDer,
      status,
    }));
}

/** One `external` entry of `trustedCaCertificates`: an enterprise root, read from its PEM. */
function externalRoot(pem: string): TrustedCaCertificate {
  const x = new X509Certificate(pem);
  return {
    thumbprint: createHash("sha1").update(x.raw).digest("hex").toUpperCase(),
    notAfter: new Date(x.validTo).toISOString(),
    certificatePem: derToPem(x.raw),
    certificateDer: x.raw.toString("base64"),
    status: "external",
  };
}

/**
 * Runs the config checks on the arguments and returns the parsed site, or throws every problem at once. Secrets
 * given as outputs are not known yet: they are checked as unknown here and by the provider at preview.
 */
function checkedSite(args: XProtectSiteArgs) {
  // Outputs become UNKNOWN for the checks; a plain field given one is a failure of its own.
  const { raw, plain } = isRecord(args) ? siteView(args) : { raw: args as unknown, plain: [] };
  const adopt = isRecord(args) && isRecord(args.adopt) ? args.adopt : {};
  // Anything but a map is passed on as it is, for parseSite to name it.
  const givenPasswords = isRecord(args) ? args.pfxPasswords : undefined;
  const passwords = isRecord(givenPasswords) ? mapKnown(givenPasswords) : givenPasswords;
  const adoption: SiteAdoption = {
    caPfx: known(adopt.caPfx),
    caPfxPassword: known(adopt.caPfxPassword),
    caCertificatePem: known(adopt.caCertificatePem),
    caPrivateKeyPem: known(adopt.caPrivateKeyPem),
    serverPfx: isRecord(adopt.serverPfx) ? mapKnown(adopt.serverPfx) : adopt.serverPfx,
  };
  const eab = isRecord(args) ? known(args.acmeEabHmacKey) : undefined;
  const { site, failures } = parseSite(raw, passwords, adoption, eab);
  const all = [...plain, ...withoutPlainFields(failures, plain)];
  if (!site || all.length > 0) throw new SiteConfigError(formatFailures(all));
  return site;
}

/**
 * A server's entry of `servers`. Its names and addresses are the checked ones, or, where the program gave outputs
 * (`given` holds what was registered), the binding's and certificate's, as their providers normalised them.
 */
function serverOutput(
  spec: ServerSpec,
  certificate: ServerCertificate,
  binding: CertificateBinding,
  given: { hostname: unknown; dnsNames: unknown; ipAddresses: unknown },
  externalTemplate: string,
  idp?: ServerCertificate,
): pulumi.Output<ServerOutput> {
  const external = pulumi
    .all([
      certificate.issuer,
      certificate.certificateRequestPem,
      certificate.requestId,
      certificate.requestedAt,
      certificate.chainPem,
    ])
    .apply(([issuer, certificateRequestPem, requestId, requestedAt, chainPem]) =>
      issuer !== "external"
        ? {}
        : {
            issuer,
            ...(chainPem === undefined ? {} : { intermediateCaCertificates: intermediatesOf(chainPem) }),
            ...(certificateRequestPem
              ? { certificateRequestPem, requestId, requestedAt, certificateTemplate: externalTemplate }
              : {}),
          },
    );
  const hostname: pulumi.Input<string> = unknownIn(given.hostname) ? binding.hostname : spec.hostname;
  const dnsNames: pulumi.Input<string[]> = unknownIn(given.dnsNames) ? certificate.dnsNames : spec.dnsNames;
  const ipAddresses: pulumi.Input<string[]> = unknownIn(given.ipAddresses)
    ? certificate.ipAddresses
    : spec.ipAddresses;
  const signed = pulumi
    .all([
      pulumi.all([hostname, dnsNames, ipAddresses]),
      certificate.thumbprint,
      certificate.serialNumber,
      certificate.notBefore,
      certificate.notAfter,
      certificate.renewalDue,
      pulumi.all([binding.serviceName, binding.serviceAccount]),
      pulumi.all([binding.slots, idp ? identityProviderOutput(idp) : undefined]),
    ])
    .apply(
      ([
        [hostname, dnsNames, ipAddresses],
        thumbprint,
        serialNumber,
        notBefore,
        notAfter,
        renewalDue,
        [serviceName, serviceAccount],
        [slots, identityProviderCertificate],
      ]) => ({
        role: spec.role,
        hostname,
        dnsNames,
        ipAddresses,
        thumbprint,
        serialNumber,
        notBefore,
        notAfter,
        renewalDue,
        serviceName,
        serviceAccount,
        enableOrder: ROLE_FACTS[spec.role].enableOrder,
        // The certificate each slot uses (a public certificate's slots get its own: see public-output.ts).
        slots: slots?.map((s) => (thumbprint ? { ...s, thumbprint } : s)),
        // Only for a cluster: a server without one keeps exactly the entry it had.
        ...(spec.clusterNodes ? { clusterNodes: spec.clusterNodes } : {}),
        ...(identityProviderCertificate ? { identityProviderCertificate } : {}),
      }),
    );
  return pulumi.all([signed, external]).apply(([out, ext]) => present({ ...out, ...ext }) as ServerOutput);
}

/** The intermediates of a certificate signed elsewhere (PEM, leaf excluded), as the outputs carry them. */
const intermediatesOf = (chainPem: string): IntermediateCaCertificate[] =>
  (chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((pem) => {
    const der = pemToDer(pem);
    return {
      thumbprint: createHash("sha1").update(der).digest("hex").toUpperCase(),
      certificateDer: der.toString("base64"),
    };
  });

/** The entries with a value (outputs are plain JSON; a certificate awaiting its signature has no thumbprint yet). */
const present = <T extends Record<string, unknown>>(m: T): T =>
  Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined && v !== null)) as T;

/** `servers.<name>.identityProviderCertificate`. */
function identityProviderOutput(idp: ServerCertificate): pulumi.Output<IdentityProviderCertificateOutput> {
  return pulumi
    .all([idp.thumbprint, idp.serialNumber, idp.notBefore, idp.notAfter, idp.renewalDue])
    .apply(([thumbprint, serialNumber, notBefore, notAfter, renewalDue]) => ({
      thumbprint,
      serialNumber,
      notBefore,
      notAfter,
      renewalDue,
    }));
}

/**
 * A cluster's certificate names: the checked ones, or, where the program gave the host name or dnsNames as
 * outputs, the cluster's name, the nodes and dnsNames once they are known (the provider checks them).
 */
function clusterNames(
  server: Partial<XProtectServer>,
  nodes: string[],
  checked: string[],
): pulumi.Input<string[]> {
  if (!unknownIn(server.hostname) && !unknownIn(server.dnsNames)) return checked;
  return pulumi
    .all([server.hostname, server.dnsNames ?? []])
    .apply(([hostname, dnsNames]) => clusterDnsNames(hostname, nodes, dnsNames) as string[]);
}

/**
 * The server's settings its identity provider certificate follows: not generation, friendlyName or password, and
 * not issuer (the site's root issues it also when an enterprise CA signs the server's certificate).
 */
const IDENTITY_PROVIDER_SETTING_KEYS = SERVER_SETTING_KEYS.filter(
  (k) => k !== "generation" && k !== "friendlyName" && k !== "issuer",
);

/** A secret as the checks see it: plain values as they are, outputs and promises as unknown. */
const known = (v: unknown): unknown =>
  v === undefined || v === null || typeof v === "string" || typeof v !== "object" ? v : UNKNOWN;

const mapKnown = (m: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, known(v)]));

/** A map's own entry (never an inherited property such as "constructor"). */
const own = <T>(map: Record<string, T> | undefined, key: string): T | undefined =>
  map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;

/** The entries of `obj` under `keys` that are set. */
const pick = <T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Pick<T, K> =>
  Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]])) as Pick<T, K>;

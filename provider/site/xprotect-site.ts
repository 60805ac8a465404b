/**
 * XProtectSite: a whole XProtect site as one component: the site CA, and for each server its certificate (with
 * PFX) and its binding, as the component's children, with the outputs installers read (contract version 1).
 * The stack program of this repository (stacks/index.ts) is this component fed from the stack's config.
 */
import * as pulumi from "@pulumi/pulumi";
import { CaCertificate } from "../ca/resource";
import { CertificateBinding } from "../binding/resource";
import { ServerCertificate } from "../server/resource";
import { SERVER_SETTING_KEYS } from "../server/fields";
import { BINDING_SETTING_KEYS } from "../binding/fields";
import { UNKNOWN } from "../validate/fields";
import { ROLE_FACTS } from "../xprotect/roles";
import { formatFailures, parseSite, ServerSpec, SiteAdoption } from "./config";
import type { XProtectSiteArgs } from "./args";
import { CONTRACT_VERSION, ServerOutput } from "./outputs";
import { isRecord } from "../contract";
import type { IntermediateCaCertificate, TrustedCaCertificate, TrustedCaStatus } from "../contract";
import { createHash, X509Certificate } from "node:crypto";
import { derToPem, pemToDer } from "../pki/x509";

/** The site's arguments have problems: nothing is registered. Its message lists every problem, one per line. */
export class SiteConfigError extends pulumi.RunError {}

/** The component's type token. */
export const XPROTECT_SITE_TYPE = "xprotect-certs:index:XProtectSite";

export class XProtectSite extends pulumi.ComponentResource {
  /** 1: the version of the outputs' contract (stacks/outputs.schema.json). */
  public readonly contractVersion: pulumi.Output<number>;
  public readonly caCertificatePem: pulumi.Output<string>;
  /** Base64 DER: the .cer clients import. */
  public readonly caCertificateDer: pulumi.Output<string>;
  public readonly caThumbprint: pulumi.Output<string>;
  public readonly caNotAfter: pulumi.Output<string>;
  /** Server name to its certificate's facts, service and Server Configurator commands. */
  public readonly servers: pulumi.Output<Record<string, ServerOutput>>;
  /** Secret. Server name to base64 PFX. */
  public readonly pfx: pulumi.Output<Record<string, string>>;
  /** Secret. Server name to PFX password. */
  public readonly pfxPasswords: pulumi.Output<Record<string, string>>;

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
  public readonly certificates: Record<string, ServerCertificate>;
  public readonly bindings: Record<string, CertificateBinding>;

  /**
   * Checks the whole site first (as `pulumi preview` of the stack program does: every problem in one error,
   * each naming the field, the value and the fix) and registers nothing when there is one.
   *
   * The children keep the names this repository's stack program gave them before the component existed: the CA
   * is `<name>-ca` (`site-ca` for the stack program's site, named "site"), and each server's certificate and
   * binding are named after the server. They carry aliases to the same names at the stack's top level, so that
   * a stack made by that program, or by a program using the resources directly under those names, moves into
   * the component with nothing replaced or reissued. Two sites in one stack therefore need distinct server names.
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
    const legacyName = `${name}-ca`;
    this.ca = new CaCertificate(
      rootName(name, caGeneration),
      {
        ...site.ca,
        adoptPfx: adopt.caPfx,
        adoptPfxPassword: adopt.caPfxPassword,
        adoptCertificatePem: adopt.caCertificatePem,
        adoptPrivateKeyPem: adopt.caPrivateKeyPem,
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
      this.nextCa = new CaCertificate(rootName(name, site.nextCa.generation), site.nextCa, {
        parent: this,
        ...withProtect,
      });
    }
    const switched = site.issueFrom === "nextCa" && this.nextCa !== undefined;
    this.issuingCa = switched ? this.nextCa! : this.ca;

    this.certificates = {};
    this.bindings = {};
    const servers: Record<string, pulumi.Output<ServerOutput>> = {};
    const pfx: Record<string, pulumi.Output<string>> = {};
    const pfxPasswords: Record<string, pulumi.Output<string>> = {};
    for (const spec of site.servers) {
      // An enterprise CA signs an external server's request: the site's root (and its rotation) is not its issuer.
      const issuer =
        spec.issuer === "external"
          ? { externalRoots: site.externalRoots, signedCertificate: spec.signedCertificate }
          : { ca: this.issuingCa, ...(switched ? { minStageDays: site.minStageDays } : {}) };
      const certificate = new ServerCertificate(
        spec.name,
        {
          ...pick(spec, SERVER_SETTING_KEYS),
          ...issuer,
          dnsNames: spec.dnsNames,
          ipAddresses: spec.ipAddresses,
          pfxPassword: own(args.pfxPasswords, spec.name),
          adoptPfx: own(adopt.serverPfx, spec.name),
        },
        { ...moved, ...withProtect },
      );
      const binding = new CertificateBinding(
        spec.name,
        {
          certificate,
          role: spec.role,
          hostname: spec.hostname,
          ...pick(spec, BINDING_SETTING_KEYS),
          slots: spec.slots,
        },
        { ...moved, ...withProtect },
      );
      this.certificates[spec.name] = certificate;
      this.bindings[spec.name] = binding;
      servers[spec.name] = serverOutput(spec, certificate, binding, site.externalTemplate);
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
    // Nothing is stored on the component itself: the certificates and PFX are in the children's state already
    // (and once more in the stack's outputs when a program exports them).
    this.registerOutputs({});
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
  const raw: unknown = isRecord(args) ? omit(args, ["pfxPasswords", "adopt"]) : args;
  const adopt = isRecord(args) && isRecord(args.adopt) ? args.adopt : {};
  // Anything but a map is passed on as it is, for parseSite to name it.
  const given = isRecord(args) ? args.pfxPasswords : undefined;
  const passwords = isRecord(given) ? mapKnown(given) : given;
  const adoption: SiteAdoption = {
    caPfx: known(adopt.caPfx),
    caPfxPassword: known(adopt.caPfxPassword),
    caCertificatePem: known(adopt.caCertificatePem),
    caPrivateKeyPem: known(adopt.caPrivateKeyPem),
    serverPfx: isRecord(adopt.serverPfx) ? mapKnown(adopt.serverPfx) : adopt.serverPfx,
  };
  const { site, failures } = parseSite(raw, passwords, adoption);
  if (!site) throw new SiteConfigError(formatFailures(failures));
  return site;
}

function serverOutput(
  spec: ServerSpec,
  certificate: ServerCertificate,
  binding: CertificateBinding,
  externalTemplate: string,
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
  const signed = pulumi
    .all([
      certificate.thumbprint,
      certificate.serialNumber,
      certificate.notBefore,
      certificate.notAfter,
      certificate.renewalDue,
      binding.serviceName,
      binding.serviceAccount,
      binding.slots,
    ])
    .apply(
      ([thumbprint, serialNumber, notBefore, notAfter, renewalDue, serviceName, serviceAccount, slots]) => ({
        role: spec.role,
        hostname: spec.hostname,
        dnsNames: spec.dnsNames,
        ipAddresses: spec.ipAddresses,
        thumbprint,
        serialNumber,
        notBefore,
        notAfter,
        renewalDue,
        serviceName,
        serviceAccount,
        enableOrder: ROLE_FACTS[spec.role].enableOrder,
        slots,
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

const omit = (obj: Record<string, unknown>, keys: string[]): Record<string, unknown> =>
  Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));

/**
 * ServerCertificate's provider. The central promise: reissue when what the certificate says changes or it is
 * due; rebuild only the PFX when only the PFX settings change; otherwise do nothing and make no key.
 */
import type * as pulumi from "@pulumi/pulumi";
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import {
  buildPfx,
  CertificateFacts,
  derToPem,
  describeCertificate,
  issueCertificate,
  pemToDer,
  pfxPasswordFor,
  randomSerial,
  serverTemplate,
} from "../pki";
import { openMaterial, isProblem } from "../pki/adopt";
import { expandRsaKeyCached } from "../runtime/key-cache";
import { keyPairFromPrivateKey, KeyPair } from "../pki/keys";
import { readPfx } from "../pki/pfx-read";
import { isDue, renewalDueOf, renewalHelps } from "../pki/renewal";
import { forEngine, isUnknown } from "../validate/fields";
import { ServerInputs, validateServerArgs } from "./check";
import { clockFailures, nowOf, RuntimeEnv } from "../runtime/env";
import { same, withoutProvider } from "../runtime/json";
import { mismatches } from "../runtime/read";
import { ECHOED_FIELDS, INPUT_FIELDS, PFX_FIELDS, REISSUE_FIELDS, SECRET_FIELDS } from "./fields";
import {
  acceptedChain,
  chainPemOf,
  foreignFacts,
  newRequest,
  pendingKeyPair,
  PendingRequest,
  planExternal,
  REQUEST_OUTPUTS,
} from "./external";

/**
 * No private key beside the PFX: the PFX holds it (and the state stores every output of every certificate).
 * Adopted PFX and CA material are inputs only.
 */
export interface ServerOutputs
  extends
    Omit<
      ServerInputs,
      | "caCertificatePem"
      | "caId"
      | "caSigningKey"
      | (typeof SECRET_FIELDS)[number]
      | (typeof INPUT_FIELDS)[number]
    >,
    CertificateFacts,
    Partial<PendingRequest> {
  /**
   * With `issuer: external`: the intermediates delivered with the leaf (PEM, possibly empty). `caThumbprint` is
   * then the enterprise root's. Absent for the site's own root (its certificate is `caCertificatePem`).
   */
  chainPem?: string;
  caThumbprint: string;
  certificatePem: string;
  /** notAfter minus renewBeforeDays: from then on, `pulumi up` reissues (when autoRenew). */
  renewalDue: string;
  /** True when validityDays was cut short to end with the CA. */
  validityCapped: boolean;
  pfx: string;
  pfxPassword: string;
  /** True when pfxPassword was generated (kept until a password is given). */
  pfxPasswordGenerated: boolean;
}

export { REISSUE_FIELDS, PFX_FIELDS } from "./fields";

export interface ServerPlan {
  /** Why a new certificate is needed (empty: none). */
  reissue: string[];
  /** Why the PFX must be rebuilt (empty: not needed, or covered by a reissue). */
  rebuildPfx: string[];
  /** A (different) installed certificate is to be adopted. */
  adopt: boolean;
}

/** What an update will do; diff and update share it so that preview says what up does. */
export function planServerChange(olds: ServerOutputs, news: ServerInputs, now: Date): ServerPlan {
  if (olds.issuer === "external" && news.issuer !== "external") {
    // Back to the site's root: a certificate from it, at once (any pending request is dropped).
    return { reissue: ["issuer"], rebuildPfx: [], adopt: false };
  }
  const adopt = news.adoptedThumbprint !== undefined && news.adoptedThumbprint !== olds.adoptedThumbprint;
  if (adopt) return { reissue: [], rebuildPfx: [], adopt };
  const reissue: string[] = REISSUE_FIELDS.filter((f) => !same(olds[f], news[f]));
  if (caThumbprintNow(news) !== olds.caThumbprint) reissue.push("ca");
  if (news.autoRenew === true && clockRenews(olds.notAfter, news, now)) reissue.push("renewalDue");
  const rebuildPfx: string[] = PFX_FIELDS.filter((f) => !same(olds[f], news[f]));
  if (passwordChanges(olds, news)) rebuildPfx.push("pfxPassword");
  return { reissue, rebuildPfx, adopt };
}

/** Due, and a reissue now would end later than `notAfter` (not when the CA's own end holds it back). */
function clockRenews(notAfter: string, news: ServerInputs, now: Date): boolean {
  if (isUnknown(news.renewBeforeDays) || isUnknown(news.validityDays)) return false;
  // diff runs this for every certificate at every preview: parse the CA only for one that is due.
  if (!isDue(notAfter, news.renewBeforeDays, now)) return false;
  return renewalHelps({
    notAfter,
    renewBeforeDays: news.renewBeforeDays,
    validityDays: news.validityDays,
    caNotAfter: caNotAfterOf(news.caCertificatePem),
    now,
  });
}

/** The issuing CA's notAfter (undefined while unknown at preview). */
function caNotAfterOf(caCertificatePem: string): string | undefined {
  if (isUnknown(caCertificatePem)) return undefined;
  return describeCertificate(pemToDer(caCertificatePem)).notAfter;
}

/** Only the PFX changes (for a certificate that has one): its settings or its password. */
function pfxChanges(olds: ServerOutputs, news: ServerInputs): string[] {
  if (olds.pfx === undefined) return [];
  const rebuild: string[] = PFX_FIELDS.filter((f) => !same(olds[f], news[f]));
  if (passwordChanges(olds, news)) rebuild.push("pfxPassword");
  return rebuild;
}

function passwordChanges(olds: ServerOutputs, news: ServerInputs): boolean {
  if (news.pfxPassword === undefined) return !olds.pfxPasswordGenerated; // a given password was taken away
  return isUnknown(news.pfxPassword) || news.pfxPassword !== olds.pfxPassword || olds.pfxPasswordGenerated;
}

export function serverProvider(env: RuntimeEnv): pulumi.dynamic.ResourceProvider {
  return {
    async check(olds, news) {
      const now = env.now();
      const { inputs, failures } = validateServerArgs(news, olds, now.ok ? now.now : new Date());
      return { inputs, failures: forEngine([...failures, ...clockFailures(env)]) };
    },

    async diff(_id, olds: ServerOutputs, news: ServerInputs) {
      if (news.issuer === "external") {
        const plan = planExternal(olds, news, nowOf(env));
        return { changes: plan.accept || plan.request.length > 0 || pfxChanges(olds, news).length > 0 };
      }
      const plan = planServerChange(olds, news, nowOf(env));
      return { changes: plan.adopt || plan.reissue.length + plan.rebuildPfx.length > 0 };
    },

    async create(inputs: ServerInputs) {
      const outs = await explained("nothing was stored", () =>
        inputs.issuer === "external"
          ? external(inputs, env, undefined)
          : inputs.adoptPfx
            ? adopt(inputs, env)
            : issue(inputs, env, undefined),
      );
      return { id: outs.dnsNames[0], outs };
    },

    async update(_id, olds: ServerOutputs, news: ServerInputs) {
      const kept = "the previous certificate and PFX are kept";
      if (news.issuer === "external") return { outs: await explained(kept, () => external(news, env, olds)) };
      const plan = planServerChange(olds, news, nowOf(env));
      if (plan.adopt) return { outs: await explained(kept, () => adopt(news, env)) };
      if (plan.reissue.length > 0) return { outs: await explained(kept, () => issue(news, env, olds)) };
      const outs: ServerOutputs = {
        ...withoutProvider(olds),
        ...echo(news),
      } as ServerOutputs;
      if (plan.rebuildPfx.length > 0) {
        const password = passwordFor(news, olds, env);
        outs.pfx = pfxOf(news, keyOf(olds).privateKeyPem, olds.certificatePem, password.value, env);
        outs.pfxPassword = password.value;
        outs.pfxPasswordGenerated = password.generated;
      }
      outs.renewalDue = renewalDueOf(outs.notAfter, news.renewBeforeDays);
      return { outs };
    },

    async read(id, props: ServerOutputs) {
      if (props.certificatePem === undefined) return { id, props }; // awaiting its first signed certificate
      const facts =
        props.issuer === "external"
          ? foreignFacts(new X509Certificate(props.certificatePem))
          : describeCertificate(pemToDer(props.certificatePem));
      const wrong = mismatches(props, {
        ...facts,
        renewalDue: renewalDueOf(facts.notAfter, props.renewBeforeDays),
      });
      try {
        const inPfx = readPfx(Buffer.from(props.pfx, "base64"), props.pfxPassword).certificateDer;
        if (!inPfx.equals(pemToDer(props.certificatePem))) wrong.push("pfx");
      } catch {
        wrong.push("pfx");
      }
      if (wrong.length > 0) {
        throw new Error(
          `the state of server certificate ${id} does not match its certificate (${wrong.join(", ")} differ): it was ` +
            `edited outside Pulumi. Restore the state from a backup (the backend keeps history), or bump this ` +
            `server's generation to issue a new certificate.`,
        );
      }
      return { id, props };
    },
  };
}

/** An issuance failure says what happened to the state and what to do. */
async function explained<T>(state: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw new Error(`issuing failed: ${(e as Error).message}; ${state}. Fix the cause and run up again.`);
  }
}

/** The inputs we echo into outputs (diff and update receive old outputs, never old inputs): the table's. */
function echo(news: ServerInputs): Omit<ServerOutputs, keyof CertificateFacts | OutputOnly> {
  const out: Record<string, unknown> = {};
  // A field without a value (issuer, for the site's root) is left out: states made before it existed match.
  for (const f of ECHOED_FIELDS) if (news[f] !== undefined) out[f] = news[f];
  // Outputs are plain JSON: no undefined.
  if (news.adoptedThumbprint !== undefined) out.adoptedThumbprint = news.adoptedThumbprint;
  return out as Omit<ServerOutputs, keyof CertificateFacts | OutputOnly>;
}

/** The outputs that come from issuing, not from the inputs. */
type OutputOnly =
  | "caThumbprint"
  | "certificatePem"
  | "renewalDue"
  | "validityCapped"
  | "pfx"
  | "pfxPassword"
  | "pfxPasswordGenerated";

async function issue(
  news: ServerInputs,
  env: RuntimeEnv,
  olds: ServerOutputs | undefined,
): Promise<ServerOutputs> {
  const now = nowOf(env);
  const reuseKey = olds?.pfx && news.keyRotation === "never" && olds.rsaBits === news.rsaBits;
  const key = reuseKey ? keyOf(olds) : await env.generateKey(news.rsaBits);
  const caDer = pemToDer(news.caCertificatePem);
  const caFacts = describeCertificate(caDer);
  const issued = issueCertificate({
    template: serverTemplate(news),
    publicKeyDer: key.publicKeyDer,
    issuer: { certificateDer: caDer, privateKey: expandRsaKeyCached(news.caSigningKey) },
    serial: randomSerial(env.randomBytes),
    now,
    notAfterCap: new Date(caFacts.notAfter),
  });
  const certificatePem = derToPem(issued.der);
  const facts = describeCertificate(issued.der);
  const password = passwordFor(news, olds, env);
  return {
    ...echo(news),
    caThumbprint: caFacts.thumbprint,
    certificatePem,
    ...facts,
    renewalDue: renewalDueOf(facts.notAfter, news.renewBeforeDays),
    validityCapped: issued.capped,
    pfx: pfxOf(news, key.privateKeyPem, certificatePem, password.value, env),
    pfxPassword: password.value,
    pfxPasswordGenerated: password.generated,
  };
}

/**
 * Takes over an installed certificate: same certificate and key, in a PFX built to the declared settings. One
 * that is already due (with autoRenew) is replaced at once by a new certificate from the CA, as the preview's
 * warning says, rather than kept for one up and reissued by the next.
 */
async function adopt(news: ServerInputs, env: RuntimeEnv): Promise<ServerOutputs> {
  const opened = openMaterial({ kind: "pfx", pfxBase64: news.adoptPfx!, password: news.pfxPassword ?? "" });
  if (isProblem(opened)) throw new Error(`adoptPfx: ${opened.reason}`);
  if (news.autoRenew && clockRenews(opened.facts.notAfter, news, nowOf(env)))
    return issue(news, env, undefined);
  const certificatePem = derToPem(opened.certificateDer);
  const privateKeyPem = opened.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return {
    ...echo(news),
    caThumbprint: caThumbprintOf(news.caCertificatePem),
    certificatePem,
    ...opened.facts,
    renewalDue: renewalDueOf(opened.facts.notAfter, news.renewBeforeDays),
    validityCapped: false,
    pfx: pfxOf(news, privateKeyPem, certificatePem, news.pfxPassword!, env),
    pfxPassword: news.pfxPassword!,
    pfxPasswordGenerated: false,
  };
}

/**
 * The external issuer's create and update: a new request when one is needed (the current certificate and PFX, if
 * any, stay delivered), the signed certificate taken once it fits the pending request, or only a new PFX.
 */
async function external(
  news: ServerInputs,
  env: RuntimeEnv,
  olds: ServerOutputs | undefined,
): Promise<ServerOutputs> {
  const now = nowOf(env);
  if (olds === undefined && news.signedCertificate !== undefined) {
    throw new Error(
      `signedCertificate is given, but this certificate has no request yet (it is new to the stack): remove ` +
        `signedCertificate, run up to make the request, and have that request signed`,
    );
  }
  const plan = olds ? planExternal(olds, news, now) : { request: ["new"], accept: false };
  if (plan.accept) return accept(news, olds!, env);
  const kept: Record<string, unknown> = olds ? { ...withoutProvider(olds) } : {};
  let outs = { ...kept, ...echo(news) } as ServerOutputs;
  if (plan.request.length > 0) {
    const current = () => (olds?.pfx ? keyOf(olds) : undefined);
    outs = { ...outs, ...(await newRequest(news, env, now, current)) };
  } else if (olds) {
    const rebuild = pfxChanges(olds, news);
    if (rebuild.length > 0) {
      const password = passwordFor(news, olds, env);
      outs.pfx = pfxOf(
        news,
        keyOf(olds).privateKeyPem,
        olds.certificatePem,
        password.value,
        env,
        olds.chainPem ?? "",
      );
      outs.pfxPassword = password.value;
      outs.pfxPasswordGenerated = password.generated;
    }
  }
  if (outs.notAfter !== undefined) outs.renewalDue = renewalDueOf(outs.notAfter, news.renewBeforeDays);
  else awaitingOutputs(outs);
  return outs;
}

/**
 * Awaiting its first signed certificate: the thumbprint and notAfter the binding reads are null, not absent. In a
 * preview the SDK takes an absent output for an unknown one, and the binding of every awaiting server would show
 * an update at every preview; null is known (and the site's outputs leave it out).
 */
function awaitingOutputs(outs: ServerOutputs): void {
  const o = outs as unknown as Record<string, unknown>;
  o.thumbprint = null;
  o.notAfter = null;
}

/** The signed certificate replaces the current one: leaf and intermediates in a new PFX with the pending key. */
function accept(news: ServerInputs, olds: ServerOutputs, env: RuntimeEnv): ServerOutputs {
  const { leaf, intermediates, root } = acceptedChain(news);
  const key = pendingKeyPair(olds.pendingKey!);
  const certificatePem = derToPem(leaf.raw);
  const chainPem = chainPemOf(intermediates);
  const facts = foreignFacts(leaf);
  const password = passwordFor(news, olds, env);
  const outs: Record<string, unknown> = {
    ...echo(news),
    caThumbprint: foreignFacts(root).thumbprint,
    certificatePem,
    chainPem,
    ...facts,
    renewalDue: renewalDueOf(facts.notAfter, news.renewBeforeDays),
    validityCapped: false,
    pfx: pfxOf(news, key.privateKeyPem, certificatePem, password.value, env, chainPem),
    pfxPassword: password.value,
    pfxPasswordGenerated: password.generated,
  };
  for (const f of REQUEST_OUTPUTS) delete outs[f];
  return outs as unknown as ServerOutputs;
}

/** The certificate's key, read back from its PFX (the only place it is kept). */
function keyOf(olds: ServerOutputs): KeyPair {
  const { privateKeyDer } = readPfx(Buffer.from(olds.pfx, "base64"), olds.pfxPassword);
  return keyPairFromPrivateKey(
    createPrivateKey({ key: privateKeyDer, format: "der", type: "pkcs8" })
      .export({ type: "pkcs8", format: "pem" })
      .toString(),
  );
}

function passwordFor(news: ServerInputs, olds: ServerOutputs | undefined, env: RuntimeEnv) {
  return pfxPasswordFor(news.pfxPassword, olds, env.randomBytes);
}

function pfxOf(
  news: ServerInputs,
  privateKeyPem: string,
  certificatePem: string,
  password: string,
  env: RuntimeEnv,
  /** A certificate signed elsewhere: its intermediates (PEM), which the PFX carries instead of a root. */
  chainPem?: string,
): string {
  const chain =
    chainPem === undefined ? [pemToDer(news.caCertificatePem)] : pemBlocks(chainPem).map(pemToDer);
  return buildPfx({
    privateKeyDer: createPrivateKey(privateKeyPem).export({ type: "pkcs8", format: "der" }),
    certificateDer: pemToDer(certificatePem),
    chainDer: news.includeChain ? chain : [],
    password,
    profile: news.pfxProfile,
    friendlyName: news.friendlyName,
    randomBytes: env.randomBytes,
  }).toString("base64");
}

const pemBlocks = (pem: string): string[] =>
  pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];

/** The signing CA's thumbprint, from its id when known (at preview, while the CA updates), else from its PEM. */
function caThumbprintNow(news: ServerInputs): string | undefined {
  if (news.caId !== undefined && !isUnknown(news.caId)) return news.caId;
  return isUnknown(news.caCertificatePem) ? undefined : caThumbprintOf(news.caCertificatePem);
}

/** Only the thumbprint (SHA-1 of the DER): diff runs this for every certificate on every preview and up. */
const caThumbprintOf = (pem: string): string =>
  createHash("sha1").update(pemToDer(pem)).digest("hex").toUpperCase();

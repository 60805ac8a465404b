/**
 * PublicCertificate's provider: a server's second certificate, from an ACME CA, for its client-facing slots. The
 * certificate makes its own key and a CSR; the CA only signs (through an order with DNS-01), and gives back the
 * leaf and its intermediates (never the root). The PFX holds the leaf and the intermediates.
 *
 * An order is placed only when the certificate is missing, its names or directory changed, or it is due
 * (provider/pki/public-renewal.ts). preview (check, diff) never reaches the CA. A failed order fails the up and
 * keeps the current certificate and PFX in the state (an update that throws changes nothing).
 */
import type * as pulumi from "@pulumi/pulumi";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { buildPfx, PFX_PROFILES, PfxProfile, pfxPasswordFor } from "../pki";
import { ariCertId } from "../pki/ari";
import { publicNameProblem } from "../pki/public-names";
import { publicRenewalDue, PublicRenewalBasis } from "../pki/public-renewal";
import { readPfx } from "../pki/pfx-read";
import { readSignedChain, subjectAltNamesOf, thumbprintOf } from "../pki/signed";
import { nowOf, RuntimeEnv, clockFailures } from "../runtime/env";
import { same, withoutProvider } from "../runtime/json";
import { forEngine, isUnknown } from "../validate/fields";
import { orderCertificate, renewalInfo } from "./client";
import { hookProblem } from "./hook";

export interface PublicInputs {
  directoryUrl: string;
  accountUrl: string;
  /** Secret: the account's key (AcmeAccount). */
  accountKey: string;
  dnsNames: string[];
  slots: string[];
  dns01Command: string[];
  dns01Resolvers: string[];
  /** The project folder (the hook's); not compared, not echoed. */
  projectDir: string;
  renewBeforeDays: number;
  pfxProfile: PfxProfile;
  friendlyName: string;
  /** Secret, optional: else one is generated once and kept. */
  pfxPassword?: string;
}

export interface PublicOutputs extends Omit<PublicInputs, "accountKey" | "pfxPassword" | "projectDir"> {
  certificatePem: string;
  /** The intermediates the CA gave (PEM), never a root. */
  chainPem: string;
  thumbprint: string;
  serialNumber: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  renewalDue: string;
  /** Which rule set renewalDue: renewBeforeDays, twoThirdsOfLifetime or renewalInfo (RFC 9773). */
  renewalBasis: PublicRenewalBasis;
  /** The CA's suggested renewal window when it gave one, read when the certificate was issued. */
  suggestedWindowStart?: string;
  suggestedWindowEnd?: string;
  issuedBy: string;
  pfx: string;
  pfxPassword: string;
  pfxPasswordGenerated: boolean;
}

/** Inputs echoed into the outputs (diff compares them). */
const ECHOED = [
  "directoryUrl",
  "accountUrl",
  "dnsNames",
  "slots",
  "dns01Command",
  "dns01Resolvers",
  "renewBeforeDays",
  "pfxProfile",
  "friendlyName",
] as const;
const ORDER_FIELDS = ["directoryUrl", "dnsNames"] as const;
const PFX_FIELDS = ["pfxProfile", "friendlyName"] as const;

export interface PublicPlan {
  /** Why a new order is placed (empty: none). */
  order: string[];
  /** Why the PFX is rebuilt around the same key and certificate. */
  rebuildPfx: string[];
}

export function planPublic(olds: PublicOutputs, news: PublicInputs, now: Date): PublicPlan {
  const order: string[] = ORDER_FIELDS.filter((f) => !isUnknown(news[f]) && !same(olds[f], news[f]));
  if (now.getTime() >= Date.parse(dueOf(olds, news).renewalDue)) order.push("renewalDue");
  const rebuildPfx: string[] = PFX_FIELDS.filter((f) => !same(olds[f], news[f]));
  const given = news.pfxPassword;
  if (given === undefined ? !olds.pfxPasswordGenerated : isUnknown(given) || given !== olds.pfxPassword)
    rebuildPfx.push("pfxPassword");
  return { order, rebuildPfx };
}

/** renewalDue for the inputs now (renewBeforeDays may have changed since the certificate was issued). */
function dueOf(olds: PublicOutputs, news: Pick<PublicInputs, "renewBeforeDays">) {
  const days = isUnknown(news.renewBeforeDays) ? olds.renewBeforeDays : news.renewBeforeDays;
  return publicRenewalDue({
    notBefore: olds.notBefore,
    notAfter: olds.notAfter,
    renewBeforeDays: days,
    ...(olds.suggestedWindowStart && olds.suggestedWindowEnd
      ? { suggestedWindow: { start: olds.suggestedWindowStart, end: olds.suggestedWindowEnd } }
      : {}),
  });
}

export function publicProvider(env: RuntimeEnv): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds, news) {
      const n = news as Record<string, unknown>;
      const failures: { property: string; reason: string }[] = [...clockFailures(env)];
      if (Array.isArray(n.dnsNames)) {
        n.dnsNames.forEach((name, i) => {
          if (isUnknown(name)) return;
          const problem = typeof name === "string" ? publicNameProblem(name) : "is not a name";
          if (problem) failures.push({ property: `dnsNames[${i}]`, reason: problem });
        });
      } else if (!isUnknown(n.dnsNames)) {
        failures.push({ property: "dnsNames", reason: "give the server's public DNS names" });
      }
      if (Array.isArray(n.dns01Command) && n.dns01Command.length > 0 && !n.dns01Command.some(isUnknown)) {
        const dir = typeof n.projectDir === "string" ? n.projectDir : process.cwd();
        const problem = hookProblem(n.dns01Command as string[], dir);
        if (problem)
          failures.push({ property: "dns01Command", reason: `the dns01 hook cannot run: ${problem}` });
      }
      if (!isUnknown(n.pfxProfile) && !PFX_PROFILES.includes(n.pfxProfile as PfxProfile)) {
        failures.push({
          property: "pfxProfile",
          reason: `${JSON.stringify(n.pfxProfile)}: use ${PFX_PROFILES.join(" or ")}`,
        });
      }
      return { inputs: news, failures: forEngine(failures) };
    },

    async diff(_id, olds: PublicOutputs, news: PublicInputs) {
      const plan = planPublic(olds, news, nowOf(env));
      const echoed = ECHOED.some((f) => !isUnknown(news[f]) && !same(olds[f], news[f]));
      return { changes: plan.order.length + plan.rebuildPfx.length > 0 || echoed };
    },

    async create(inputs: PublicInputs) {
      const outs = await order(inputs, env, undefined);
      return { id: outs.dnsNames[0], outs };
    },

    async update(_id, olds: PublicOutputs, news: PublicInputs) {
      const plan = planPublic(olds, news, nowOf(env));
      if (plan.order.length > 0) return { outs: await order(news, env, olds) };
      const outs: PublicOutputs = { ...withoutProvider(olds), ...echo(news) };
      if (plan.rebuildPfx.length > 0) {
        const password = passwordFor(news, olds, env);
        const { privateKeyDer } = readPfx(Buffer.from(olds.pfx, "base64"), olds.pfxPassword);
        outs.pfx = pfxOf(news, privateKeyDer, olds.certificatePem, olds.chainPem, password.value, env);
        outs.pfxPassword = password.value;
        outs.pfxPasswordGenerated = password.generated;
      }
      Object.assign(outs, dueOf(olds, news));
      return { outs };
    },

    async read(id, props) {
      return { id, props };
    },
    async delete() {},
  };
}

function echo(news: PublicInputs): Pick<PublicOutputs, (typeof ECHOED)[number]> {
  const out: Record<string, unknown> = {};
  for (const f of ECHOED) out[f] = news[f];
  return out as Pick<PublicOutputs, (typeof ECHOED)[number]>;
}

/** A new key, an order for it, the chain checked and put in a PFX. Throws saying what is kept. */
async function order(
  news: PublicInputs,
  env: RuntimeEnv,
  olds: PublicOutputs | undefined,
): Promise<PublicOutputs> {
  const key = await env.generateKey(2048);
  let chainPem: string;
  try {
    ({ chainPem } = await orderCertificate({
      directoryUrl: news.directoryUrl,
      accountKey: news.accountKey,
      accountUrl: news.accountUrl,
      dnsNames: news.dnsNames,
      privateKeyPem: key.privateKeyPem,
      dns01Command: news.dns01Command,
      dns01Resolvers: news.dns01Resolvers,
      projectDir: news.projectDir,
    }));
  } catch (e) {
    throw new Error(
      `${(e as Error).message}. ` +
        (olds
          ? `The current public certificate ${olds.thumbprint} (until ${olds.notAfter}) and its PFX are kept`
          : `No public certificate was stored`) +
        `; fix the cause and run up again`,
    );
  }
  const chain = readSignedChain(chainPem);
  if ("problem" in chain)
    throw new Error(`ACME CA ${news.directoryUrl} returned a chain that ${chain.problem}`);
  const { leaf } = chain;
  const problems: string[] = [];
  if (!leaf.publicKey.export({ type: "spki", format: "der" }).equals(key.publicKeyDer)) {
    problems.push("its key is not the one the request was made with");
  }
  const san = subjectAltNamesOf(leaf);
  if (!same([...san.dnsNames].sort(), [...news.dnsNames].sort())) {
    problems.push(
      `its names ${JSON.stringify(san.dnsNames)} are not the ones ordered ${JSON.stringify(news.dnsNames)}`,
    );
  }
  if (leaf.ca) problems.push("it is a CA certificate");
  if (problems.length) {
    throw new Error(
      `ACME CA ${news.directoryUrl} returned a certificate that is refused: ${problems.join("; ")}`,
    );
  }
  // Intermediates only: a self-signed certificate in the chain (a root) is never delivered.
  const intermediates = chain.intermediates.filter((x) => !selfSigned(x));
  const chainOut = intermediates.map((x) => x.toString()).join("");
  const window = await renewalInfo(news.directoryUrl, ariCertId(leaf.raw));
  const notBefore = new Date(leaf.validFrom).toISOString();
  const notAfter = new Date(leaf.validTo).toISOString();
  const due = publicRenewalDue({
    notBefore,
    notAfter,
    renewBeforeDays: news.renewBeforeDays,
    suggestedWindow: window,
  });
  const password = passwordFor(news, olds, env);
  const privateKeyDer = createPrivateKey(key.privateKeyPem).export({ type: "pkcs8", format: "der" });
  return {
    ...echo(news),
    certificatePem: leaf.toString(),
    chainPem: chainOut,
    thumbprint: thumbprintOf(leaf),
    serialNumber: leaf.serialNumber.toUpperCase().replace(/^(00)+(?=..)/, ""),
    subject: (leaf.subject ?? "").split("\n").reverse().join(", "),
    notBefore,
    notAfter,
    ...due,
    ...(window ? { suggestedWindowStart: window.start, suggestedWindowEnd: window.end } : {}),
    issuedBy: (leaf.issuer ?? "").split("\n").reverse().join(", "),
    pfx: pfxOf(news, privateKeyDer, leaf.toString(), chainOut, password.value, env),
    pfxPassword: password.value,
    pfxPasswordGenerated: password.generated,
  };
}

const selfSigned = (x: X509Certificate): boolean => {
  try {
    return x.checkIssued(x) && x.verify(x.publicKey);
  } catch {
    return false;
  }
};

function passwordFor(news: PublicInputs, olds: PublicOutputs | undefined, env: RuntimeEnv) {
  return pfxPasswordFor(news.pfxPassword, olds, env.randomBytes);
}

function pfxOf(
  news: PublicInputs,
  privateKeyDer: Buffer,
  certificatePem: string,
  chainPem: string,
  password: string,
  env: RuntimeEnv,
): string {
  const der = (pem: string) => Buffer.from(new X509Certificate(pem).raw);
  const chain = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return buildPfx({
    privateKeyDer,
    certificateDer: der(certificatePem),
    chainDer: chain.map(der),
    password,
    profile: news.pfxProfile,
    friendlyName: news.friendlyName,
    randomBytes: env.randomBytes,
  }).toString("base64");
}

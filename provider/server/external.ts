/**
 * The external issuer of ServerCertificate (`issuer: external`): the certificate alone makes the key and a PKCS#10
 * request; an enterprise CA signs it elsewhere, and the signed certificate with its chain comes back as the input
 * `signedCertificate`. Until then the request waits in the state (its key secret), and whatever certificate and
 * PFX the server has stay delivered: a first certificate waits "awaiting signature", a renewal has no gap.
 *
 * The site's root differs only in that it signs at once (provider.ts `issue`). A signed certificate has one shape
 * whoever signed it: the leaf, the intermediates (never the root) and the root's thumbprint (`caThumbprint`).
 */
import { createHash, createPublicKey, X509Certificate } from "node:crypto";
import { derToPem, serverTemplate } from "../pki/x509";
import { certificateRequestPem, requestIdOf } from "../pki/request";
import { chainToRoot, readSignedChain, signedProblems, SignedChain } from "../pki/signed";
import { compactRsaKey } from "../pki/compact-key";
import { expandRsaKeyCached } from "../runtime/key-cache";
import { isDue } from "../pki/renewal";
import { KeyPair, keyPairFromPrivateKey } from "../pki/keys";
import { RuntimeEnv } from "../runtime/env";
import { isUnknown } from "../validate/fields";
import { same } from "../runtime/json";
import type { ServerInputs } from "./check";
import { REISSUE_FIELDS } from "./fields";

/** A request waiting for its certificate: outputs of the certificate while it waits (absent otherwise). */
export interface PendingRequest {
  /** PEM, not secret: what is submitted to the CA (`certreq -submit`). */
  certificateRequestPem: string;
  /** The request's name: the start of the SHA-256 of its public key (a certificate signed for it names it too). */
  requestId: string;
  requestedAt: string;
  /** The settings the request was made for (JSON): a change of them makes a new request. */
  requestedFor: string;
  /** Secret: the request's private key, compact (provider/pki/compact-key.ts). */
  pendingKey: string;
}

/** The outputs of a pending request, dropped once its certificate is accepted. */
export const REQUEST_OUTPUTS = [
  "certificateRequestPem",
  "requestId",
  "requestedAt",
  "requestedFor",
  "pendingKey",
] as const;

/** The settings a request is made for: what the certificate says (validity is the enterprise CA's to choose). */
const REQUEST_FIELDS = REISSUE_FIELDS.filter((f) => f !== "validityDays");

export const requestedForOf = (v: Partial<ServerInputs>): string =>
  JSON.stringify(REQUEST_FIELDS.map((f) => v[f] ?? null));

/** What an update of an external certificate does; diff and update share it. Throws when a certificate is refused. */
export interface ExternalPlan {
  /** Why a new key and request are made (empty: none). */
  request: string[];
  /** The signed certificate is taken: it replaces the current one (if any) and ends the pending request. */
  accept: boolean;
}

/** The parts of the old outputs the plan reads. */
export interface ExternalOlds {
  issuer?: string;
  thumbprint?: string;
  notAfter?: string;
  pfx?: string;
  requestId?: string;
  requestedAt?: string;
  requestedFor?: string;
  pendingKey?: string;
}

export function planExternal(olds: ExternalOlds, news: ServerInputs, now: Date): ExternalPlan {
  const chain = signedChainOf(news);
  if (chain && thumbprintOf(chain.leaf) !== olds.thumbprint) {
    if (olds.pendingKey === undefined || olds.requestId === undefined) {
      throw new Error(
        `signedCertificate: no request is waiting for this server (the certificate was signed for request ` +
          `${requestIdOfCertificate(chain.leaf)}): put back the certificate the server has, or remove ` +
          `signedCertificate so that up makes a new request`,
      );
    }
    const problems = signedProblems(chain, {
      publicKeyDer: createPublicKey(expandRsaKeyCached(olds.pendingKey)).export({
        type: "spki",
        format: "der",
      }),
      dnsNames: news.dnsNames,
      ipAddresses: news.ipAddresses,
      roots: (news.externalRoots ?? []).map((pem) => new X509Certificate(pem)),
      renewBeforeDays: news.renewBeforeDays,
      now,
    });
    if (problems.length > 0) {
      throw new Error(
        `signedCertificate is refused (${problems.join("; ")}). Nothing was changed: the pending request ` +
          `${olds.requestId} (made ${olds.requestedAt}) still waits` +
          (olds.thumbprint ? ` and the current certificate ${olds.thumbprint} stays delivered` : ""),
      );
    }
    return { request: [], accept: true };
  }
  const request: string[] = [];
  if (olds.issuer !== "external") request.push("issuer");
  const basis =
    olds.requestedFor ??
    (olds.thumbprint ? requestedForOf(olds as unknown as Partial<ServerInputs>) : undefined);
  if (
    basis !== undefined &&
    !REQUEST_FIELDS.some((f) => isUnknown(news[f])) &&
    basis !== requestedForOf(news)
  ) {
    request.push(
      ...REQUEST_FIELDS.filter((f) => !same((olds as unknown as Record<string, unknown>)[f], news[f])),
    );
    if (request.length === 0 || (request.length === 1 && request[0] === "issuer")) request.push("settings");
  }
  const due =
    olds.pendingKey === undefined &&
    olds.notAfter !== undefined &&
    news.autoRenew === true &&
    !isUnknown(news.renewBeforeDays) &&
    isDue(olds.notAfter, news.renewBeforeDays, now);
  if (due) request.push("renewalDue");
  return { request: [...new Set(request)], accept: false };
}

/** A new key (or, with keyRotation "never", the current one) and its request. */
export async function newRequest(
  news: ServerInputs,
  env: RuntimeEnv,
  now: Date,
  currentKey: () => KeyPair | undefined,
): Promise<PendingRequest> {
  const key =
    (news.keyRotation === "never" ? currentKey() : undefined) ?? (await env.generateKey(news.rsaBits));
  return {
    certificateRequestPem: certificateRequestPem({
      template: serverTemplate(news),
      privateKeyPem: key.privateKeyPem,
      publicKeyDer: key.publicKeyDer,
    }),
    requestId: requestIdOf(key.publicKeyDer),
    requestedAt: now.toISOString(),
    requestedFor: requestedForOf(news),
    pendingKey: compactRsaKey(key.privateKeyPem),
  };
}

/** The pending request's key pair. */
export const pendingKeyPair = (pendingKey: string): KeyPair =>
  keyPairFromPrivateKey(expandRsaKeyCached(pendingKey).export({ type: "pkcs8", format: "pem" }).toString());

/** The signed certificate accepted: the leaf, the intermediates on its path and the root (all read by Node). */
export function acceptedChain(news: ServerInputs): {
  leaf: X509Certificate;
  intermediates: X509Certificate[];
  root: X509Certificate;
} {
  const chain = signedChainOf(news)!;
  const found = chainToRoot(
    chain,
    (news.externalRoots ?? []).map((pem) => new X509Certificate(pem)),
  )!;
  return { leaf: chain.leaf, intermediates: found.path, root: found.root };
}

/** The facts of a certificate signed elsewhere, read by Node (not by our DER reader). */
export function foreignFacts(x: X509Certificate) {
  return {
    thumbprint: thumbprintOf(x),
    sha256Fingerprint: createHash("sha256").update(x.raw).digest("hex").toUpperCase(),
    serialNumber: x.serialNumber.toUpperCase().replace(/^(00)+(?=..)/, ""),
    subject: x.subject.split("\n").reverse().join(", "),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
  };
}

export const chainPemOf = (intermediates: X509Certificate[]): string =>
  intermediates.map((x) => derToPem(x.raw)).join("");

function signedChainOf(news: ServerInputs): SignedChain | undefined {
  if (news.signedCertificate === undefined || isUnknown(news.signedCertificate)) return undefined;
  const read = readSignedChain(news.signedCertificate);
  return "problem" in read ? undefined : read;
}

const thumbprintOf = (x: X509Certificate): string =>
  createHash("sha1").update(x.raw).digest("hex").toUpperCase();

const requestIdOfCertificate = (x: X509Certificate): string =>
  requestIdOf(x.publicKey.export({ type: "spki", format: "der" }));

/**
 * A certificate signed elsewhere (an enterprise CA, later ACME): the leaf and the intermediates it came with, read
 * with Node's X509Certificate (OpenSSL), never with our own DER reader, and the checks it must pass before it
 * replaces anything: the pending request's key, exactly the server's names, serverAuth, valid now and for longer
 * than renewBeforeDays, a chain through the intermediates to one of the given roots, and not a CA. Pure.
 */
import { createHash, X509Certificate } from "node:crypto";
import { normaliseDnsName, normaliseIpAddress } from "./names";
import { DAY_MS } from "./limits";
import { OID } from "./oids";
import { requestIdOf } from "./request";

/** One shape for every issuer: the leaf, the intermediates (never a root) and the root it chains to. */
export interface SignedChain {
  leaf: X509Certificate;
  intermediates: X509Certificate[];
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** The certificates of a PEM text (leaf first, then its chain), or why it cannot be read. */
export function readSignedChain(text: string): SignedChain | { problem: string } {
  const begins = text.match(/-----BEGIN /g)?.length ?? 0;
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (begins === 0) {
    return {
      problem: 'holds no PEM certificate ("-----BEGIN CERTIFICATE-----"): give the signed certificate',
    };
  }
  if (begins !== blocks.length) {
    return {
      problem: `is truncated or holds something other than certificates (${begins} "-----BEGIN" lines, ${blocks.length} whole certificates): copy the whole file the CA returned`,
    };
  }
  const certificates: X509Certificate[] = [];
  for (const [i, b] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(b[0]));
    } catch (e) {
      return {
        problem: `certificate ${i + 1} of ${blocks.length} does not parse (${(e as Error).message}): the file is damaged or truncated; copy it again from the CA`,
      };
    }
  }
  return { leaf: certificates[0], intermediates: certificates.slice(1) };
}

/** SHA-1 of the DER, upper-case hex: the thumbprint Windows shows. */
export const thumbprintOf = (x: X509Certificate): string =>
  createHash("sha1").update(x.raw).digest("hex").toUpperCase();

/** The request a certificate was signed for (see requestIdOf). */
export const requestIdOfCertificate = (x: X509Certificate): string =>
  requestIdOf(x.publicKey.export({ type: "spki", format: "der" }));

/** The names a certificate's subjectAltName holds, as Node prints them ("DNS:a, IP Address:10.0.0.1"). */
export function subjectAltNamesOf(x: X509Certificate): {
  dnsNames: string[];
  ipAddresses: string[];
  other: string[];
} {
  const out = { dnsNames: [] as string[], ipAddresses: [] as string[], other: [] as string[] };
  const text = x.subjectAltName;
  if (!text) return out;
  for (const entry of text.split(", ")) {
    if (entry.startsWith("DNS:")) {
      const n = normaliseDnsName(entry.slice(4));
      if (n.ok) out.dnsNames.push(n.value);
      else out.other.push(entry);
    } else if (entry.startsWith("IP Address:")) {
      const ip = normaliseIpAddress(entry.slice("IP Address:".length));
      if (ip.ok) out.ipAddresses.push(ip.value);
      else out.other.push(entry);
    } else out.other.push(entry);
  }
  return out;
}

/** The path from the leaf through the given intermediates to one of `roots`, or undefined. */
export function chainToRoot(
  chain: SignedChain,
  roots: X509Certificate[],
): { root: X509Certificate; path: X509Certificate[] } | undefined {
  const signs = (child: X509Certificate, parent: X509Certificate) => {
    try {
      return child.checkIssued(parent) && child.verify(parent.publicKey);
    } catch {
      return false;
    }
  };
  const path: X509Certificate[] = [];
  let current = chain.leaf;
  for (let depth = 0; depth <= chain.intermediates.length; depth++) {
    const root = roots.find((r) => signs(current, r));
    if (root) return { root, path };
    const next = chain.intermediates.find((i) => !path.includes(i) && i.ca && signs(current, i));
    if (!next) return undefined;
    path.push(next);
    current = next;
  }
  return undefined;
}

export interface Expected {
  /** The pending request's public key (SubjectPublicKeyInfo DER); undefined: not checked here. */
  publicKeyDer?: Buffer;
  dnsNames: string[];
  ipAddresses: string[];
  roots: X509Certificate[];
  renewBeforeDays: number;
  now: Date;
}

/** Everything wrong with a signed chain for the expected request, each with its fix; empty when it fits. */
export function signedProblems(chain: SignedChain, expected: Expected): string[] {
  const { leaf } = chain;
  const problems: string[] = [];
  const subject = leaf.subject.split("\n").reverse().join(", ");
  if (expected.publicKeyDer) {
    const id = requestIdOf(expected.publicKeyDer);
    const its = requestIdOfCertificate(leaf);
    if (its !== id) {
      problems.push(
        `its key is not the pending request's: it was signed for request ${its}, and the request waiting is ${id}. ` +
          `Submit the current request (servers.<name>.certificateRequestPem, npm run bundle -- --requests) and put ` +
          `the certificate signed for it here`,
      );
    }
  }
  if (leaf.ca) {
    problems.push(
      `"${subject}" is a CA certificate (basicConstraints CA:TRUE), not a server certificate: sign the request ` +
        `with a server template (AD CS: WebServer)`,
    );
  }
  const san = subjectAltNamesOf(leaf);
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
  if (
    !same(san.dnsNames, expected.dnsNames) ||
    !same(san.ipAddresses, expected.ipAddresses) ||
    san.other.length
  ) {
    const has = [...san.dnsNames, ...san.ipAddresses, ...san.other];
    const want = [...expected.dnsNames, ...expected.ipAddresses];
    const missing = want.filter((n) => !has.includes(n));
    const extra = has.filter((n) => !want.includes(n));
    problems.push(
      `its subjectAltName ${JSON.stringify(has)} is not exactly the server's names ${JSON.stringify(want)}` +
        (missing.length ? `; missing ${JSON.stringify(missing)}` : "") +
        (extra.length ? `; extra ${JSON.stringify(extra)}` : "") +
        `: have the request signed with a template that takes the names from the request (AD CS: WebServer), ` +
        `or change the server's dnsNames/ipAddresses to match and submit the new request`,
    );
  }
  const eku = leaf.keyUsage; // Node: the extended key usages; undefined when the extension is absent
  if (eku !== undefined && !eku.includes(OID.serverAuth) && !eku.includes(OID.anyExtendedKeyUsage)) {
    problems.push(
      `its extended key usage ${JSON.stringify(eku)} does not allow server authentication (${OID.serverAuth}): ` +
        `sign it with a template for web servers (AD CS: WebServer), not a client or user template`,
    );
  }
  const now = expected.now.getTime();
  const from = Date.parse(leaf.validFrom);
  const to = Date.parse(leaf.validTo);
  if (now < from || now >= to) {
    problems.push(
      `it is not valid now (valid from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}): ` +
        `have the current request signed again`,
    );
  } else if (to - now <= expected.renewBeforeDays * DAY_MS) {
    problems.push(
      `it ends on ${new Date(to).toISOString()}, within renewBeforeDays (${expected.renewBeforeDays}) of now: it ` +
        `would be due at once. Have it signed for longer, or lower renewBeforeDays`,
    );
  }
  const path = chainToRoot(chain, expected.roots);
  if (!path) {
    const issuer = leaf.issuer.split("\n").reverse().join(", ");
    problems.push(
      `it does not chain to a root in externalRoots (issuer "${issuer}"; the file holds ${chain.intermediates.length} ` +
        `more certificate(s)): add the issuing CA's certificate (and any intermediate) after the leaf in the file, ` +
        `and the enterprise root to externalRoots`,
    );
  } else {
    for (const ca of path.path) {
      if (now < Date.parse(ca.validFrom) || now >= Date.parse(ca.validTo)) {
        problems.push(
          `its intermediate "${ca.subject.split("\n").reverse().join(", ")}" is not valid now (until ${new Date(Date.parse(ca.validTo)).toISOString()}): put the CA's current certificate in the file`,
        );
      }
    }
  }
  return problems;
}

/** The intermediates to deliver with the leaf: the chain's path, never a root. */
export function intermediatesOf(chain: SignedChain, roots: X509Certificate[]): X509Certificate[] {
  return chainToRoot(chain, roots)?.path ?? [];
}

/**
 * Names a public CA can certify: a DNS name in the public DNS, never an internal one. An ACME CA refuses (or, worse,
 * cannot validate) `.local`, single labels and private addresses; saying so at preview saves an order. Pure.
 */
import { normaliseDnsName } from "./names";

/** Suffixes that never resolve in the public DNS (RFC 6761/6762/8375, ICANN's `.internal`, and common habits). */
export const INTERNAL_SUFFIXES = [
  "local",
  "localhost",
  "localdomain",
  "internal",
  "intranet",
  "lan",
  "corp",
  "home",
  "home.arpa",
  "test",
  "invalid",
  "example",
] as const;

/** Why `name` cannot be on a public certificate, or undefined when it can; `name` as given. */
export function publicNameProblem(name: string): string | undefined {
  const n = normaliseDnsName(name);
  if (!n.ok) return n.reason;
  const value = n.value;
  if (/^[0-9.]+$/.test(value) || value.includes(":")) {
    return `"${name}" is an IP address: a public certificate from an ACME CA is for DNS names here; give the public DNS name that points at the server`;
  }
  const labels = value.split(".");
  if (labels.length < 2) {
    return `"${name}" is a single label, not a name in the public DNS: give the full public name (e.g. mobile.example.com)`;
  }
  const suffix = INTERNAL_SUFFIXES.find((s) => value === s || value.endsWith(`.${s}`));
  if (suffix) {
    return `"${name}" ends in ".${suffix}", which is not in the public DNS, so no public CA can certify it: give the public name clients use (e.g. mobile.example.com); internal names stay on the site root's certificate`;
  }
  if (labels[0] === "*") {
    return `"${name}" is a wildcard: give the server's own public name (a wildcard certificate's key would be shared by other hosts)`;
  }
  return undefined;
}

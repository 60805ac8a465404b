/**
 * DNS names and IP addresses as they go into a certificate's subjectAltName: validated and normalised.
 * Pure functions: each returns the canonical text or the reason it is refused, with the fix.
 */
import { domainToASCII } from "node:url";
import { isIPv4 } from "node:net";
import { MAX_DNS_LABEL_LENGTH, MAX_DNS_NAME_LENGTH } from "./limits";

export type Normalised = { ok: true; value: string } | { ok: false; reason: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * A host name as it goes in a SAN: lower case, without a trailing dot; letters, digits and hyphens in
 * labels of 1-63 characters, 253 at most in all. Wildcards, non-ASCII names and IP addresses are refused
 * with the fix (each server gets its own name and key; use the punycode A-label; use ipAddresses).
 */
export function normaliseDnsName(input: string): Normalised {
  if (input.length === 0)
    return {
      ok: false,
      reason: `the DNS name is empty: give the server's host name, e.g. "rec01.vms.example.local"`,
    };
  if (/\s/.test(input)) return { ok: false, reason: `"${input}" contains white space: a DNS name has none` };
  if (input.includes("*")) {
    return {
      ok: false,
      reason: `"${input}" is a wildcard: each XProtect server gets its own certificate and key, so list its own host name instead`,
    };
  }
  if (/[^\x00-\x7f]/.test(input)) {
    const aLabel = domainToASCII(input.replace(/\.$/, ""));
    const fix = aLabel ? `use its punycode form "${aLabel}"` : "use its punycode (A-label) form";
    return { ok: false, reason: `"${input}" is not ASCII: certificates carry the A-label of a name, ${fix}` };
  }
  const name = input.toLowerCase().replace(/\.$/, "");
  if (name.length === 0) return { ok: false, reason: `"${input}" has no labels` };
  if (isIPv4(name) || name.includes(":")) {
    return { ok: false, reason: `"${input}" is an IP address, not a DNS name: put it in ipAddresses` };
  }
  if (name.length > MAX_DNS_NAME_LENGTH) {
    return {
      ok: false,
      reason: `"${input}" is ${name.length} characters long; a DNS name has at most ${MAX_DNS_NAME_LENGTH} (MAX_DNS_NAME_LENGTH)`,
    };
  }
  for (const label of name.split(".")) {
    if (label.length === 0)
      return { ok: false, reason: `"${input}" has an empty label (two dots in a row, or a leading dot)` };
    if (label.length > MAX_DNS_LABEL_LENGTH) {
      return {
        ok: false,
        reason: `"${input}" has a label of ${label.length} characters ("${label.slice(0, 12)}..."); a label has at most ${MAX_DNS_LABEL_LENGTH} (MAX_DNS_LABEL_LENGTH)`,
      };
    }
    if (!LABEL.test(label)) {
      return {
        ok: false,
        reason: `"${input}" has the label "${label}": labels hold letters, digits and hyphens, and do not start or end with a hyphen`,
      };
    }
  }
  if (/^[0-9]+$/.test(name.split(".").pop() ?? "")) {
    return {
      ok: false,
      reason: `"${input}" ends in an all-numeric label: if it is an address, put it in ipAddresses`,
    };
  }
  return { ok: true, value: name };
}

/**
 * An IP address in canonical text: IPv4 dotted decimal; IPv6 lower case and compressed as RFC 5952 says. Zone
 * ids (fe80::1%eth0) are refused: a certificate cannot carry one. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)
 * are refused with the IPv4 form as the fix: a client connecting to a.b.c.d over IPv4 looks for the 4-byte
 * address in the certificate, and the 16-byte mapped form does not match it.
 */
export function normaliseIpAddress(input: string): Normalised {
  if (input.includes("%")) {
    return {
      ok: false,
      reason: `"${input}" has a zone id: a certificate holds only the address, so drop "%${input.split("%")[1]}"`,
    };
  }
  const bytes = ipToBytes(input);
  if (!bytes)
    return { ok: false, reason: `"${input}" is not an IPv4 or IPv6 address (e.g. 10.0.0.10 or fd00::10)` };
  if (isIpv4Mapped(bytes)) {
    const v4 = [...bytes.subarray(12)].join(".");
    return {
      ok: false,
      reason: `"${input}" is an IPv4-mapped IPv6 address: clients connecting over IPv4 do not match it, write ${v4}`,
    };
  }
  return { ok: true, value: bytesToIp(bytes) };
}

/** The 4 or 16 bytes of an IP address in text, or undefined when the text is not one. */
export function ipToBytes(text: string): Buffer | undefined {
  if (isIPv4(text)) {
    const parts = text.split(".");
    if (parts.some((p) => p.length > 1 && p.startsWith("0"))) return undefined; // 010.0.0.1 is ambiguous
    return Buffer.from(parts.map(Number));
  }
  return ipv6ToBytes(text);
}

function ipv6ToBytes(text: string): Buffer | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length > 45) return undefined;
  let head = text;
  let tail4: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    const v4 = text.slice(lastColon + 1);
    const v4bytes = isIPv4(v4) ? ipToBytes(v4) : undefined;
    if (!v4bytes) return undefined;
    tail4 = [(v4bytes[0] << 8) | v4bytes[1], (v4bytes[2] << 8) | v4bytes[3]];
    const prefix = text.slice(0, lastColon + 1); // ends with ":"
    head = prefix.endsWith("::") ? prefix : prefix.slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === "") return [];
    const groups = part.split(":");
    if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return groups.map((g) => parseInt(g, 16));
  };
  const left = parse(halves[0]);
  const right = halves.length === 2 ? parse(halves[1]) : [];
  if (!left || !right) return undefined;
  const explicitGroups = left.length + right.length + tail4.length;
  let groups: number[];
  if (halves.length === 2) {
    if (explicitGroups > 7) return undefined;
    groups = [...left, ...new Array<number>(8 - explicitGroups).fill(0), ...right, ...tail4];
  } else {
    if (explicitGroups !== 8) return undefined;
    groups = [...left, ...tail4];
  }
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** ::ffff:a.b.c.d (RFC 4291 2.5.5.2). */
const isIpv4Mapped = (bytes: Buffer): boolean =>
  bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes.readUInt16BE(10) === 0xffff;

/** Canonical text of 4 or 16 address bytes (RFC 5952 for IPv6, with ::ffff:a.b.c.d for IPv4-mapped). */
export function bytesToIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join(".");
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  if (isIpv4Mapped(bytes)) return `::ffff:${[...bytes.subarray(12)].join(".")}`;
  // Longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/**
 * The public certificate's parts of the outputs (issue 23, added to contract v1): `servers.<name>.publicCertificate`
 * and the secret maps `publicPfx` and `publicPfxPasswords`. Absent for a site without `acme`; a reader takes them
 * when present and checks their shape. Pure.
 */
import type { PublicCertificateOutput } from "./outputs";
import { BASE64, ISO_TIME, SECRET_PLACEHOLDER, THUMBPRINT } from "./outputs";
import { isRecord } from "./json";

/** A server entry's `publicCertificate`, or a problem (`at` names the field). */
export function readPublicCertificate(
  v: unknown,
  at: string,
): { value?: PublicCertificateOutput; problem?: string } {
  if (v === undefined) return {};
  const strings = (x: unknown) => Array.isArray(x) && x.length > 0 && x.every((s) => typeof s === "string");
  if (
    isRecord(v) &&
    typeof v.thumbprint === "string" &&
    THUMBPRINT.test(v.thumbprint) &&
    typeof v.serialNumber === "string" &&
    ["notBefore", "notAfter", "renewalDue"].every(
      (k) => typeof v[k] === "string" && ISO_TIME.test(v[k] as string),
    ) &&
    strings(v.dnsNames) &&
    strings(v.slots)
  ) {
    return {
      value: {
        thumbprint: v.thumbprint,
        serialNumber: v.serialNumber,
        notBefore: v.notBefore as string,
        notAfter: v.notAfter as string,
        renewalDue: v.renewalDue as string,
        dnsNames: v.dnsNames as string[],
        slots: v.slots as string[],
      },
    };
  }
  return {
    problem: `${at}.publicCertificate: needs thumbprint, serialNumber, notBefore, notAfter, renewalDue, dnsNames and slots`,
  };
}

/** The public PFX and password of each server that has a public certificate (`--show-secrets`), or problems. */
export function readPublicSecrets(
  outputs: Record<string, unknown>,
  servers: string[],
):
  | { ok: true; publicPfx: Record<string, string>; publicPfxPasswords: Record<string, string> }
  | { ok: false; problems: string[] } {
  const problems: string[] = [];
  if (servers.length === 0) return { ok: true, publicPfx: {}, publicPfxPasswords: {} };
  for (const key of ["publicPfx", "publicPfxPasswords"]) {
    if (outputs[key] === SECRET_PLACEHOLDER)
      problems.push(`${key}: the secrets are hidden: read the outputs with --show-secrets`);
    else if (!isRecord(outputs[key]))
      problems.push(`${key}: missing: the site's servers with public need it; run npm run up`);
  }
  if (problems.length) return { ok: false, problems };
  const pfx = outputs.publicPfx as Record<string, unknown>;
  const passwords = outputs.publicPfxPasswords as Record<string, unknown>;
  for (const name of servers) {
    if (typeof pfx[name] !== "string" || !BASE64.test(pfx[name] as string))
      problems.push(`publicPfx.${name}: the public PFX (base64) is missing or not base64`);
    if (typeof passwords[name] !== "string" || passwords[name] === "")
      problems.push(`publicPfxPasswords.${name}: the public PFX password is missing`);
  }
  return problems.length
    ? { ok: false, problems }
    : {
        ok: true,
        publicPfx: pfx as Record<string, string>,
        publicPfxPasswords: passwords as Record<string, string>,
      };
}

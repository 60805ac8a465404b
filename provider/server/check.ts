/**
 * ServerCertificate's check: every field of its table (fields.ts), then the rules across fields and against the
 * CA: renewal inside the validity, the CA's remaining life, the subject CN's length, an installed certificate to adopt.
 */
import { createPublicKey, X509Certificate } from "node:crypto";
import type { AdoptedMaterial } from "../pki/adopt";
import { isCompactRsaKey } from "../pki/compact-key";
import { issuedBy, subjectAltNames } from "../pki/inspect";
import { DAY_MS, DEFAULT_MIN_STAGE_DAYS, MAX_COMMON_NAME_LENGTH } from "../pki/limits";
import { MIN_CERTIFICATE_LIFETIME_MS } from "../pki/renewal";
import { CertificateFacts, describeCertificate, pemToDer } from "../pki/x509";
import { expandRsaKeyCached } from "../runtime/key-cache";
import { openGiven } from "../validate/adopt";
import { checkFields } from "../validate/field";
import { Checker, CheckFailure, isUnknown, UNKNOWN } from "../validate/fields";
import { readSignedChain, signedProblems } from "../pki/signed";
import { SERVER_FIELDS, ServerFieldValues } from "./fields";

export { DEFAULT_SERVER_FRIENDLY_NAME, KEY_ROTATIONS, MAX_PFX_PASSWORD_LENGTH } from "./fields";
export type { KeyRotation } from "./fields";

/** What the provider receives: the CA's inputs (from its CaCertificate), then every field of the table, checked. */
export interface ServerInputs extends ServerFieldValues {
  /** The issuing CA, from its CaCertificate. */
  caCertificatePem: string;
  /**
   * The CA's resource id, which is its thumbprint. Known at preview even while the CA itself is updated (its
   * other outputs are not), so that a change to the CA's friendly name does not show every server as changing.
   */
  caId?: string;
  /** The CA's key in compact form (CaCertificate.signingKey). */
  caSigningKey: string;
  /** The CA's generation: a certificate does not move back to a root of a lower generation by accident. */
  caGeneration?: number;
  /** When the CA joined the stack (ISO 8601): a rotation's switch waits `minStageDays` from it. */
  caStagedAt?: string;
  /**
   * Given for a rotation's switch (the site's `minStageDays`): a move to `ca` is allowed from caStagedAt +
   * minStageDays. Any other move to a root of a higher generation (or to a root made in the same run) waits
   * DEFAULT_MIN_STAGE_DAYS.
   */
  minStageDays?: number;
  /**
   * Given when a rotation's switch is undone on purpose (`issueFrom: ca` written with `nextCa` still staged): the
   * certificate may move back to the root of the lower generation, which every client still trusts.
   */
  moveBack?: boolean;
  /** Set by check when adopting: the adopted certificate's thumbprint. */
  adoptedThumbprint?: string;
}

export function validateServerArgs(
  news: Record<string, unknown>,
  olds?: Record<string, unknown>,
  now: Date = new Date(),
): {
  inputs: ServerInputs;
  failures: CheckFailure[];
} {
  const c = new Checker();
  // An enterprise CA signs elsewhere: the site's root is neither given nor needed.
  const external = news.issuer === "external";
  const ca = external ? undefined : checkCa(c, news.caCertificatePem, news.caSigningKey);
  const inputs: ServerInputs = {
    ...(external
      ? {}
      : {
          caCertificatePem: news.caCertificatePem as string,
          ...(typeof news.caId === "string" ? { caId: news.caId } : {}),
          caSigningKey: news.caSigningKey as string,
          ...rootMove(news),
        }),
    ...checkFields(c, SERVER_FIELDS, news),
  } as ServerInputs;
  if (external) checkExternal(c, inputs, olds, now);
  else {
    for (const f of ["signedCertificate", "externalRoots"] as const) {
      if (inputs[f] !== undefined) {
        c.fail(
          f,
          `is only for a certificate an enterprise CA signs: set issuer to "external", or remove ${f}`,
        );
      }
    }
  }
  checkRootMove(c, inputs, olds, now);
  const { validityDays, renewBeforeDays } = inputs;
  if (
    !isUnknown(validityDays) &&
    !isUnknown(renewBeforeDays) &&
    renewBeforeDays >= validityDays &&
    validityDays > 0
  ) {
    c.fail(
      "renewBeforeDays",
      `${renewBeforeDays} is not less than validityDays (${validityDays}): the certificate would be due the moment it is issued; ` +
        `use fewer days (e.g. ${Math.max(1, Math.floor(validityDays / 4))})`,
    );
  }
  if (ca) checkCaLifetime(c, ca, renewBeforeDays, now);
  const first = inputs.dnsNames[0];
  if (typeof first === "string" && !isUnknown(first) && first.length > MAX_COMMON_NAME_LENGTH) {
    const shorter = inputs.dnsNames.find((n) => typeof n === "string" && n.length <= MAX_COMMON_NAME_LENGTH);
    c.fail(
      "dnsNames[0]",
      `"${first}" is ${first.length} characters long; the first DNS name becomes the subject CN, which holds at ` +
        `most ${MAX_COMMON_NAME_LENGTH} (RFC 5280, MAX_COMMON_NAME_LENGTH): put a shorter name first` +
        (shorter ? ` (e.g. "${shorter}")` : ", e.g. the server's short host name"),
    );
  }
  if (inputs.adoptPfx !== undefined && !external)
    inputs.adoptedThumbprint = adoptServer(c, news, inputs, olds?.adoptedThumbprint);
  return { inputs, failures: c.failures };
}

/**
 * An enterprise CA's certificate: its roots are given; nothing to adopt. A signed certificate that is new (not
 * the one the last up took) is checked here against everything but the pending request's key, which only the
 * state holds (the diff checks that): names, serverAuth, validity, chain, not a CA. The site config's own check
 * (no `olds`) does not run it: a certificate taken long ago may be due by now, and that is no problem.
 */
function checkExternal(
  c: Checker,
  inputs: ServerInputs,
  olds: Record<string, unknown> | undefined,
  now: Date,
): void {
  if (inputs.externalRoots === undefined) {
    c.fail(
      "externalRoots",
      `missing: issuer "external" needs the enterprise root(s) its certificates chain to, as PEM (in the site ` +
        `config: externalRoots: [certs/corp-root.pem], files in the project folder)`,
    );
  }
  if (inputs.adoptPfx !== undefined) {
    c.fail(
      "adoptPfx",
      `cannot be combined with issuer "external": an enterprise CA's certificate is requested here; remove the PFX ` +
        `to adopt or the issuer`,
    );
  }
  const signed = inputs.signedCertificate;
  if (olds === undefined || signed === undefined || isUnknown(signed) || signed === olds.signedCertificate)
    return;
  const roots = inputs.externalRoots;
  if (roots === undefined || isUnknown(roots) || roots.some(isUnknown)) return;
  if (
    c.failures.some(
      (f) => f.property.startsWith("signedCertificate") || f.property.startsWith("externalRoots"),
    )
  )
    return;
  const chain = readSignedChain(signed);
  if ("problem" in chain) return;
  const { dnsNames, ipAddresses, renewBeforeDays } = inputs;
  if ([dnsNames, ipAddresses, renewBeforeDays].some(isUnknown) || dnsNames.some(isUnknown)) return;
  const problems = signedProblems(chain, {
    dnsNames,
    ipAddresses,
    roots: roots.map((pem) => new X509Certificate(pem)),
    renewBeforeDays,
    now,
  });
  for (const p of problems) c.fail("signedCertificate", `${p}. Nothing was changed`);
}

type RootMoveInputs = Pick<ServerInputs, "caGeneration" | "caStagedAt" | "minStageDays" | "moveBack">;

/** The rotation inputs, as given (they are set by the program from the CA and the site, not by users). */
function rootMove(news: Record<string, unknown>): RootMoveInputs {
  const out: RootMoveInputs = {};
  if (typeof news.caGeneration === "number" || isUnknown(news.caGeneration))
    out.caGeneration = news.caGeneration as number;
  if (typeof news.caStagedAt === "string") out.caStagedAt = news.caStagedAt;
  if (typeof news.minStageDays === "number" || isUnknown(news.minStageDays))
    out.minStageDays = news.minStageDays as number;
  if (news.moveBack === true || isUnknown(news.moveBack)) out.moveBack = news.moveBack as boolean;
  return out;
}

/**
 * A certificate that moves to another root. Forward (to a root of a higher generation: a rotation's switch, or a
 * retire written before the switch) or to a root made in this very run (a generation bump of the CA): only once that
 * root has been in the stack for minStageDays (the site's, for a switch; else DEFAULT_MIN_STAGE_DAYS), so that every
 * client trusts it first; `minStageDays: 0` on purpose allows it at once. Back (to a root of a lower generation):
 * only when the site undoes a switch on purpose (moveBack), never by accident (the mistake of removing `nextCa`
 * after a switch without moving its settings into `ca`).
 */
function checkRootMove(
  c: Checker,
  news: ServerInputs,
  olds: Record<string, unknown> | undefined,
  now: Date,
): void {
  const before = olds?.caId;
  const after = news.caId;
  if (typeof before !== "string" || typeof after !== "string" || before === after) return;
  const { minStageDays, caStagedAt, caGeneration, moveBack } = news;
  const switching = minStageDays !== undefined;
  if (isUnknown(minStageDays) || isUnknown(moveBack)) return;
  const wait = minStageDays ?? DEFAULT_MIN_STAGE_DAYS;
  if (isUnknown(after)) {
    // The issuing root is created (or replaced) in this run: it has been staged for 0 days, whatever its generation.
    if (wait > 0) c.fail("minStageDays", madeNowMessage(wait, now, switching));
    return;
  }
  const was = olds?.caGeneration;
  if (typeof was === "number" && typeof caGeneration === "number" && caGeneration < was) {
    if (moveBack === true) return; // undoing a switch on purpose: back to the root every client still trusts
    c.fail(
      "ca",
      `the certificate would move from the root ${before} (generation ${was}), which issues it now, back to ` +
        `${after} (generation ${caGeneration}). To retire the previous root after a switch, move nextCa's ` +
        `settings into ca and remove nextCa, issueFrom and minStageDays (README "Rotating the root CA"); to keep ` +
        `the current root, put nextCa back as it was, with issueFrom: nextCa; to go back to the previous root on ` +
        `purpose (undo the switch), keep nextCa and write issueFrom: ca`,
    );
    return;
  }
  if (isUnknown(caStagedAt) || isUnknown(caGeneration)) return;
  // Outside a switch, the wait holds for a move forward: to a root of a higher generation.
  const forward = typeof was === "number" && typeof caGeneration === "number" && caGeneration > was;
  if (!switching && !forward) return;
  const staged = caStagedAt === undefined ? now.getTime() : Date.parse(caStagedAt);
  const allowedFrom = new Date(staged + wait * DAY_MS);
  if (now.getTime() < allowedFrom.getTime()) {
    c.fail(
      "minStageDays",
      `the switch to the next root ${after} is allowed from ${allowedFrom.toISOString()}: it was staged ` +
        `${caStagedAt === undefined ? "just now" : `on ${caStagedAt}`}, and minStageDays is ${wait}, ` +
        `the time every client needs to trust it before a server presents a certificate from it. ` +
        (switching
          ? `Wait until then, or set minStageDays to 0 on purpose`
          : `This run would move the servers to it without a switch (ca now names the next root, and nextCa is ` +
            `gone): put nextCa back and ca as it was, switch with issueFrom: nextCa once it is allowed, and retire ` +
            `after that; or, on purpose, switch with minStageDays: 0 (README "Rotating the root CA")`),
    );
  }
}

/** Refusal of a move to a root made in this run (a root made now has been staged for 0 days). */
function madeNowMessage(wait: number, now: Date, switching: boolean): string {
  const allowedFrom = new Date(now.getTime() + wait * DAY_MS).toISOString();
  return (
    `the switch to the next root is allowed from ${allowedFrom} at the earliest: that root is made in this run, so ` +
    `it has been staged for 0 days, and minStageDays is ${wait}, the time every client needs to trust it before a ` +
    `server presents a certificate from it. ` +
    (switching
      ? `Stage it first (nextCa without issueFrom: nextCa), run up, give it to every client, and switch once it ` +
        `is allowed; or, on purpose (an emergency), set minStageDays to 0 and remove it again at the retire`
      : `Make a new root as a rotation instead (README "Rotating the root CA"): stage it as nextCa with the next ` +
        `generation, leaving ca as it was, and switch with issueFrom: nextCa once it is allowed; in an emergency ` +
        `(a leaked or expired root), stage and switch in one change with minStageDays: 0 on purpose`)
  );
}

/** Checks an installed certificate to adopt against the CA and the declared names; its thumbprint when fit. */
function adoptServer(
  c: Checker,
  news: Record<string, unknown>,
  inputs: ServerInputs,
  adoptedBefore: unknown,
): string | undefined {
  const opened = openGiven(c, news, { pfx: "adoptPfx", password: "pfxPassword" });
  if (opened === "unknown" || isUnknown(news.caCertificatePem)) return UNKNOWN;
  if (opened === undefined || opened === "failed") return undefined;
  // Already adopted: since then it may have been reissued, its names changed or the CA renewed; nothing to check.
  if (adoptedBefore === opened.facts.thumbprint) return adoptedBefore;
  if (c.failures.some((f) => f.property === "caCertificatePem")) return undefined; // nothing to check it against
  try {
    return checkAdopted(c, news, inputs, opened);
  } catch (e) {
    c.fail("adoptPfx", `holds a damaged certificate (${(e as Error).message}): export it again`);
    return undefined;
  }
}

function checkAdopted(
  c: Checker,
  news: Record<string, unknown>,
  inputs: ServerInputs,
  opened: AdoptedMaterial,
): string | undefined {
  if (typeof news.caCertificatePem !== "string") return undefined;
  const caDer = pemToDer(news.caCertificatePem);
  if (!issuedBy(opened.certificateDer, caDer)) {
    const issuer = opened.facts.subject === "" ? "" : ` (${opened.facts.subject})`;
    c.fail(
      "adoptPfx",
      `its certificate${issuer} was not issued by the stack's CA: adopt that CA first, or leave adoptPfx out to ` +
        `issue a new certificate from this CA`,
    );
    return undefined;
  }
  const san = subjectAltNames(opened.certificateDer);
  const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
  for (const [field, has, what] of [
    ["dnsNames", san.dnsNames, "names"],
    ["ipAddresses", san.ipAddresses, "addresses"],
  ] as const) {
    const declared = inputs[field];
    if (isUnknown(declared) || !Array.isArray(declared) || sameSet(has, declared)) continue;
    c.fail(
      field,
      `${JSON.stringify(declared)} differ from the adopted certificate's ${JSON.stringify(has)}: declare the ` +
        `${what} it has to adopt it (change them afterwards to reissue), or leave adoptPfx out`,
    );
  }
  if (!isUnknown(inputs.rsaBits) && opened.rsaBits !== inputs.rsaBits) {
    c.fail(
      "rsaBits",
      `${inputs.rsaBits} differs from the adopted certificate's key (${opened.rsaBits} bits): set rsaBits to ` +
        `${opened.rsaBits} to adopt it`,
    );
  }
  return opened.facts.thumbprint;
}

/**
 * A CA whose end is too close issues nothing useful: refused for every server, naming the CA and the way out.
 * A CA valid for fewer days in all than renewBeforeDays would make every certificate due as soon as issued.
 */
function checkCaLifetime(c: Checker, ca: CertificateFacts, renewBeforeDays: number, now: Date): void {
  const named = `the site CA "${ca.subject}" (${ca.thumbprint})`;
  const left = Date.parse(ca.notAfter) - now.getTime();
  if (left < MIN_CERTIFICATE_LIFETIME_MS) {
    c.fail(
      "caCertificatePem",
      `${named} ${left <= 0 ? "expired" : "expires"} on ${ca.notAfter}, so a certificate issued now would be valid ` +
        `for less than a day (MIN_CERTIFICATE_LIFETIME_MS). A CA is never renewed by the clock: rotate to a new ` +
        `root (README "Rotating the root CA"). If nextCa is staged, switch to it (issueFrom: nextCa); if none is, ` +
        `stage and switch in one change (nextCa with the next generation, issueFrom: nextCa, minStageDays: 0 on ` +
        `purpose: this root can no longer issue), then retire it`,
    );
    return;
  }
  const caDays = Math.floor((Date.parse(ca.notAfter) - Date.parse(ca.notBefore)) / DAY_MS);
  if (!isUnknown(renewBeforeDays) && renewBeforeDays > caDays) {
    c.fail(
      "renewBeforeDays",
      `${renewBeforeDays} is more than ${named} is valid in all (${caDays} days): every certificate would be due as ` +
        `soon as it is issued. Use fewer days than the CA's validityDays, or a CA valid longer`,
    );
  }
}

/** The CA inputs come from a CaCertificate: a certificate, and the compact form of its own key. */
function checkCa(c: Checker, caPem: unknown, signingKey: unknown): CertificateFacts | undefined {
  const pass = "pass the site's CaCertificate as `ca`";
  let caPublicKey: Buffer | undefined;
  let facts: CertificateFacts | undefined;
  if (!isUnknown(caPem)) {
    if (typeof caPem !== "string" || !caPem.includes("-----BEGIN"))
      c.fail("caCertificatePem", `missing: ${pass}`);
    else {
      try {
        caPublicKey = new X509Certificate(caPem).publicKey.export({ type: "spki", format: "der" });
        facts = describeCertificate(pemToDer(caPem));
      } catch {
        c.fail("caCertificatePem", `is not a certificate (it does not parse): ${pass}`);
      }
    }
  }
  if (isUnknown(signingKey)) return facts;
  if (!isCompactRsaKey(signingKey)) {
    c.fail("caSigningKey", `missing: ${pass}`);
    return facts;
  }
  try {
    const publicKey = createPublicKey(expandRsaKeyCached(signingKey)).export({ type: "spki", format: "der" });
    if (caPublicKey && !publicKey.equals(caPublicKey)) {
      c.fail("caSigningKey", `is not the key of caCertificatePem: ${pass} (both from the same CA)`);
    }
  } catch (e) {
    c.fail("caSigningKey", `is damaged (${(e as Error).message}): ${pass}`);
  }
  return facts;
}

/**
 * The root CAs of a site as renewals sees them: each trusted root's identity, expiry and status, and the stage of a
 * root rotation (none, staged, switched) with the step that comes next. Pure.
 *
 * `trustedCaCertificates` (added by root rotation) lists every root clients must trust; outputs from before it
 * have one root, the CA (`caThumbprint` / `caNotAfter`), which is then the active root.
 */
import {
  ContractProblem,
  FieldReader,
  isRecord,
  OutputTime,
  shown,
  TRUSTED_CA_STATUSES,
  TrustedCaStatus,
} from "../../provider/contract";

/** One trusted root. */
export interface CaRoot {
  /** Upper-case hex; undefined only for old outputs without caThumbprint. */
  thumbprint?: string;
  notAfter: OutputTime;
  /** active: issues the server certificates; next: staged, issues nothing yet; previous: switched away from. */
  status: TrustedCaStatus;
}

/** Where a root rotation stands: none; staged (a next root is trusted); switched (the old root is previous). */
export type Rotation = "none" | "staged" | "switched";

/** The roots of a site, oldest status first (previous, active, next), and the rotation's stage. */
export interface SiteRoots {
  roots: CaRoot[];
  rotation: Rotation;
}

const ORDER: Record<TrustedCaStatus, number> = { previous: 0, active: 1, next: 2, external: 3 };

/** The rotation's stage from the roots' statuses: a previous root means switched, a next root staged. */
export function rotationOf(roots: Pick<CaRoot, "status">[]): Rotation {
  if (roots.some((r) => r.status === "previous")) return "switched";
  if (roots.some((r) => r.status === "next")) return "staged";
  return "none";
}

/**
 * The roots of opened outputs. Without `trustedCaCertificates`, the one CA is the active root. With it, exactly one
 * root is active and it is the CA of `caThumbprint` (the root that issues): anything else is inconsistent outputs.
 */
export function readRoots(
  outputs: Record<string, unknown>,
  ca: { thumbprint?: string; notAfter: OutputTime },
): { ok: true; value: SiteRoots } | { ok: false; problems: ContractProblem[] } {
  const list = outputs.trustedCaCertificates;
  if (list === undefined) {
    return { ok: true, value: { roots: [{ ...ca, status: "active" }], rotation: "none" } };
  }
  const f = new FieldReader("renewals");
  const field = "trustedCaCertificates";
  if (!Array.isArray(list) || list.length === 0) {
    f.problem(
      field,
      `${shown(list)} is not a non-empty list of roots: outputs of another version; run npm run up`,
    );
    return { ok: false, problems: f.problems };
  }
  const roots: CaRoot[] = [];
  list.forEach((c: unknown, i: number) => {
    const at = `${field}[${i}]`;
    if (!isRecord(c)) return f.problem(at, `${shown(c)} is not an object`);
    const thumbprint = f.thumbprint(c, "thumbprint", at);
    const notAfter = f.time(c, "notAfter", at);
    if (!TRUSTED_CA_STATUSES.includes(c.status as TrustedCaStatus)) {
      f.problem(`${at}.status`, `${shown(c.status)} is not one of ${TRUSTED_CA_STATUSES.join(", ")}`);
    } else if (thumbprint && notAfter)
      roots.push({ thumbprint, notAfter, status: c.status as TrustedCaStatus });
  });
  if (f.problems.length > 0) return { ok: false, problems: f.problems };
  const active = roots.filter((r) => r.status === "active");
  if (active.length !== 1) {
    f.problem(
      field,
      `has ${active.length} active roots: exactly one root issues the server certificates; ` +
        "the outputs are inconsistent: run npm run refresh, then npm run up",
    );
  } else if (ca.thumbprint && active[0].thumbprint !== ca.thumbprint) {
    f.problem(
      field,
      `the active root ${active[0].thumbprint} is not the CA of caThumbprint (${ca.thumbprint}): ` +
        "the outputs are inconsistent: run npm run refresh, then npm run up",
    );
  }
  if (f.problems.length > 0) return { ok: false, problems: f.problems };
  roots.sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.notAfter.ms - b.notAfter.ms);
  return { ok: true, value: { roots, rotation: rotationOf(roots) } };
}

/** The rotation step to take next, and what to write for it. */
export interface NextStep {
  step: "stage" | "switch" | "retire";
  /** What to do, in one sentence or two; names the keys to write. */
  action: string;
}

/** README section the messages point at. */
export const ROTATION_README = 'README, "Rotating the root CA"';

/**
 * The next step of a root rotation: stage when no rotation is under way and the active root is due, switch when
 * staged, retire when switched; undefined when nothing is to do. `--apply` writes only the stage step.
 */
export function nextStep(p: { rotation: Rotation; caDue: boolean; roots: CaRoot[] }): NextStep | undefined {
  const name = (s: TrustedCaStatus): string => p.roots.find((r) => r.status === s)?.thumbprint ?? "(unknown)";
  if (p.rotation === "staged") {
    return {
      step: "switch",
      action:
        `switch: once every client trusts the next root ${name("next")} (and it has been staged for ` +
        "minStageDays, default 7), add `issueFrom: nextCa` to xprotect-certs:site in the stack file; the preview " +
        "lists every server certificate reissued from it; after npm run up install the new certificates " +
        `(${ROTATION_README})`,
    };
  }
  if (p.rotation === "switched") {
    return {
      step: "retire",
      action:
        `retire: once every server runs its certificate from the root ${name("active")}, move nextCa's ` +
        "settings (generation included) into ca and remove nextCa, issueFrom and minStageDays from the stack file; " +
        `the previous root ${name("previous")} then leaves trustedCaCertificates (${ROTATION_README})`,
    };
  }
  if (!p.caDue) return undefined;
  return {
    step: "stage",
    action:
      "stage: add nextCa (ca's settings, generation + 1) to xprotect-certs:site in the stack file " +
      "(npm run renewals -- --apply writes it); npm run up then makes a new root that every client trusts, " +
      `and no server certificate changes (${ROTATION_README})`,
  };
}

/** Checks of adopted material (an existing CA, an installed server certificate), shared by the validators. */
import { AdoptedMaterial, ExistingMaterial, isProblem, openMaterial } from "../pki/adopt";
import { Checker, isUnknown } from "./fields";

/** The input names of one way to give existing material. */
export interface MaterialFields {
  pfx: string;
  password: string;
  certificatePem?: string;
  privateKeyPem?: string;
}

/**
 * Opens the material named by `fields` in `news`. Returns undefined when none is given, "unknown" when part of
 * it is not known yet (preview), and records a failure (naming the input) when it cannot be opened.
 */
export function openGiven(
  c: Checker,
  news: Record<string, unknown>,
  fields: MaterialFields,
): AdoptedMaterial | "unknown" | "failed" | undefined {
  const given = (f: string | undefined) => f !== undefined && news[f] !== undefined && news[f] !== null;
  const pem =
    fields.certificatePem !== undefined && (given(fields.certificatePem) || given(fields.privateKeyPem));
  const pfx = given(fields.pfx);
  if (!pfx && !pem) return undefined;
  if (pfx && pem) {
    c.fail(
      fields.pfx,
      `give either ${fields.pfx} (with ${fields.password}) or ${fields.certificatePem} with ${fields.privateKeyPem}, not both`,
    );
    return "failed";
  }
  const names = pfx ? [fields.pfx, fields.password] : [fields.certificatePem!, fields.privateKeyPem!];
  if (names.some((n) => isUnknown(news[n]))) return "unknown";
  for (const n of names) {
    const v = news[n];
    if (typeof v !== "string" || v === "") {
      const other = n === names[0] ? names[1] : names[0];
      c.fail(n, v === undefined || v === null ? `is missing: ${other} needs it` : `must be non-empty text`);
      return "failed";
    }
  }
  const material: ExistingMaterial = pfx
    ? { kind: "pfx", pfxBase64: news[fields.pfx] as string, password: news[fields.password] as string }
    : {
        kind: "pem",
        certificatePem: news[fields.certificatePem!] as string,
        privateKeyPem: news[fields.privateKeyPem!] as string,
      };
  const opened = openMaterial(material);
  if (isProblem(opened)) {
    const property = {
      pfx: fields.pfx,
      password: fields.password,
      certificatePem: fields.certificatePem ?? fields.pfx,
      privateKeyPem: fields.privateKeyPem ?? fields.pfx,
    }[opened.field];
    c.fail(property, opened.reason);
    return "failed";
  }
  return opened;
}

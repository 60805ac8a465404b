/**
 * Every manifest the bundler writes is checked against its own JSON Schema (scripts/bundle/manifest.schema.json)
 * first: the installer, the Ansible tasks and the DSC configuration rely on it, and the stack outputs they come
 * from are read more loosely (e.g. a time with an offset, an unknown slot or group id). Pure: the schema is
 * compiled in, no file is read.
 */
import Ajv2020, { ErrorObject, ValidateFunction } from "ajv/dist/2020";
import schema from "./manifest.schema.json";

/** Where the schema lives in the repository (named in messages). */
export const MANIFEST_SCHEMA = "scripts/bundle/manifest.schema.json";

/** Fields whose value is never shown in a message. */
const SECRET_FIELDS = ["pfxPassword", "identityProvider.pfxPassword"];

let compiled: ValidateFunction | undefined;
const validator = (): ValidateFunction =>
  (compiled ??= new Ajv2020({ allErrors: true, strict: true }).compile(schema));

/** `/slots/0/groupId` -> `slots[0].groupId`. */
const fieldOf = (instancePath: string): string =>
  instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((at, p) => (/^\d+$/.test(p) ? `${at}[${p}]` : at ? `${at}.${p}` : p), "");

function valueAt(root: unknown, instancePath: string): unknown {
  let v = root;
  for (const p of instancePath.split("/").slice(1)) {
    v = (v as Record<string, unknown> | undefined)?.[p.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return v;
}

function shown(field: string, v: unknown): string {
  if (SECRET_FIELDS.some((s) => field === s || field.startsWith(`${s}.`))) return "(secret)";
  const text = JSON.stringify(v) ?? "undefined";
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const slotGroups = (): string =>
  (
    schema.properties.slots.items.oneOf as Array<{
      properties: { slot: { const: string }; groupId: { const: string } };
    }>
  )
    .map((o) => `${o.properties.slot.const} = ${o.properties.groupId.const}`)
    .join(", ");

function describe(manifest: unknown, e: ErrorObject): string {
  const field = fieldOf(e.instancePath) || "(the manifest)";
  if (e.keyword === "oneOf") {
    return `${field}: slot ${shown("", valueAt(manifest, `${e.instancePath}/slot`))} with group ${shown("", valueAt(manifest, `${e.instancePath}/groupId`))} is not a slot with its own group id and command (${slotGroups()})`;
  }
  if (e.keyword === "additionalProperties") {
    return `${field}: ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)} is not a manifest field`;
  }
  if (e.keyword === "required") {
    return `${field}: ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)} is missing`;
  }
  return `${field}: ${shown(field, valueAt(manifest, e.instancePath))} ${e.message ?? "is not valid"}`;
}

/**
 * Why `manifest` does not validate against {@link MANIFEST_SCHEMA}, one line per field (empty when it does). A
 * failed `oneOf` (a slot whose group id or command is another slot's) is one line, not one per branch.
 */
export function manifestProblems(manifest: unknown): string[] {
  const validate = validator();
  if (validate(manifest)) return [];
  const errors = validate.errors ?? [];
  const inOneOf = (e: ErrorObject) => /\/oneOf\/\d+\//.test(e.schemaPath);
  return [...new Set(errors.filter((e) => !inOneOf(e)).map((e) => describe(manifest, e)))];
}

/** Throws, naming the server, every field and the fix, when `manifest` does not validate. */
export function checkManifest(server: string, manifest: unknown): void {
  const problems = manifestProblems(manifest);
  if (problems.length === 0) return;
  throw new Error(
    `the manifest of server "${server}" would not validate against ${MANIFEST_SCHEMA}, so nothing was written:\n  ` +
      problems.join("\n  ") +
      "\nThe stack outputs are not what this version writes: run npm run up for the stack (with this version), " +
      "then bundle again.",
  );
}

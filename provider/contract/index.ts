/**
 * The outputs contract (version 1, stacks/outputs.schema.json): its types, its version and the parsing every
 * reader uses. Pure: no Pulumi, no files, nothing outside this folder but Node's crypto.
 */
export * from "./outputs";
export * from "./json";
export { FieldReader, hexOrUndefined, pathOf } from "./fields";
export type { ContractProblem, OutputTime, Parsed } from "./fields";
export * from "./read";
export * from "./read-public";
export * from "./server-name";

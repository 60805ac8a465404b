/** Where a stack's config file is, found as the Pulumi CLI finds it. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/** Parameters of {@link stackFilePath}. */
export interface StackFileParams {
  /** The folder of Pulumi.yaml (the repo root, or XPROTECT_CERTS_WORKDIR). */
  workDir: string;
  /** The stack's name; for `org/project/stack`, the last part names the file. */
  stack: string;
}

/** `<workDir>/<stackConfigDir of Pulumi.yaml>/Pulumi.<stack>.yaml` (or `.yml` when only that exists). */
export function stackFilePath({ workDir, stack }: StackFileParams): string {
  let configDir = "";
  for (const name of ["Pulumi.yaml", "Pulumi.yml"]) {
    const file = path.join(workDir, name);
    if (!fs.existsSync(file)) continue;
    const project = parse(fs.readFileSync(file, "utf8")) as { stackConfigDir?: unknown } | null;
    if (typeof project?.stackConfigDir === "string") configDir = project.stackConfigDir;
    break;
  }
  const base = path.join(workDir, configDir, `Pulumi.${stack.split("/").pop()}`);
  return !fs.existsSync(`${base}.yaml`) && fs.existsSync(`${base}.yml`) ? `${base}.yml` : `${base}.yaml`;
}

/**
 * A throw-away engine folder laid out like the repository root: Pulumi.yaml with the project's name and `main`
 * (the engine starts the dynamic-provider process in main's folder, dist/stacks), and links to the repo's
 * node_modules and dist, so that serialized providers find their compiled modules as under `npm run up`.
 * The stack config files land here, not in the repo's stacks/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as YAML from "yaml";
import { PROJECT_NAME, repoRoot } from "../engine/workspace";

export interface EngineFolders {
  /** Where the engine runs (cwd, Pulumi.yaml). */
  workDir: string;
  /** The file backend's URL (a folder beside workDir). */
  backendUrl: string;
}

/** Creates `<base>/work` and `<base>/state`; base must exist. */
export function prepareEngineFolders(base: string): EngineFolders {
  const root = repoRoot();
  const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { main?: string };
  const main = project.main ?? "dist/stacks/main.js";
  if (!fs.existsSync(path.join(root, main))) {
    throw new Error(`${main} (Pulumi.yaml main) does not exist: run \`npm run build\` (npm run bench does)`);
  }
  const workDir = path.join(base, "work");
  const stateDir = path.join(base, "state");
  fs.mkdirSync(workDir, { recursive: true });
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(
    path.join(workDir, "Pulumi.yaml"),
    YAML.stringify({ name: PROJECT_NAME, runtime: "nodejs", main }),
  );
  for (const dir of ["node_modules", "dist"]) {
    fs.symlinkSync(path.join(root, dir), path.join(workDir, dir), "junction");
  }
  return { workDir, backendUrl: pathToFileURL(stateDir).href };
}

/**
 * Where and how a bundle is written, trusting nothing already on disk: the --out folder must be new, or an empty
 * folder of the running user (never a symlink); the server names read from the outputs must pass the config's
 * rule (provider/contract/server-name.ts) before they become paths; every path must stay under --out; every folder is
 * made new and every file is created exclusively, without following a symlink (scripts/common/new-file.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { clashReason, serverNameClashes, serverNameProblem } from "../../provider/contract";
import { writeNewFile } from "../common/new-file";
import { BundlePlan } from "./plan";

/** The running user's id (undefined where the platform has none: Windows). */
export const currentUid = (): number | undefined => process.getuid?.();

/**
 * Why the bundle may not be written at `out`, or undefined when it may: `out` must not exist, or be an empty
 * folder owned by `uid`, and must not be a symlink (a folder prepared by someone else could hold files they can
 * read, or symlinks through which the keys would land elsewhere).
 */
export function outFolderProblem(out: string, uid: number | undefined = currentUid()): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return `--out ${out} cannot be checked: ${(e as Error).message}`;
  }
  const fix = "give a folder that does not exist yet (it is made with mode 0700)";
  if (st.isSymbolicLink())
    return `--out ${out} is a symlink: the bundle is never written through one; ${fix}`;
  if (!st.isDirectory()) return `--out ${out} exists and is not a folder: ${fix}`;
  if (uid !== undefined && st.uid !== uid) {
    return `--out ${out} is owned by user ${st.uid}, not by you (${uid}): others may read or redirect what is written there; ${fix}`;
  }
  const entries = fs.readdirSync(out);
  if (entries.length) {
    const shown = entries.slice(0, 3).join(", ") + (entries.length > 3 ? ", ..." : "");
    return `--out ${out} is not empty (it holds ${shown}): a bundle is written into a new or empty folder only; remove the old bundle first, or ${fix}`;
  }
  return undefined;
}

/**
 * Problems with the server names of the outputs, each naming the name: a name is a folder and file name of the
 * bundle, so it must pass the config's rule (outputs of another program, or an edited state, may hold anything,
 * e.g. `../../escaped`).
 */
export function serverNameProblems(names: string[]): string[] {
  const problems: string[] = [];
  for (const name of names) {
    const p = serverNameProblem(name);
    if (p) problems.push(`servers: ${p}`);
  }
  for (const c of serverNameClashes(names)) problems.push(`servers: ${clashReason(c)}`);
  return problems;
}

/** `root`/`rel`, refused unless it stays strictly under `root`. */
export function pathUnder(root: string, rel: string): string {
  const p = path.resolve(root, rel);
  const r = path.relative(root, p);
  if (r === "" || r === ".." || r.startsWith(`..${path.sep}`) || path.isAbsolute(r)) {
    throw new Error(`${JSON.stringify(rel)} is not a path under --out ${root}: nothing more is written`);
  }
  return p;
}

/**
 * Makes `out` (new, mode 0700; its missing parents too) or takes it when empty and ours; its real path. The folder
 * is opened without following a symlink and made 0700 through that handle first, so that nobody else can add an
 * entry once it has been found empty; then it must still be the folder opened.
 */
function openOutFolder(out: string, uid: number | undefined): string {
  const before = outFolderProblem(out, uid);
  if (before) throw new Error(before);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  try {
    fs.mkdirSync(out, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  if (process.platform === "win32") {
    // No O_NOFOLLOW and no folder handles there: checked again by path.
    const after = outFolderProblem(out, uid);
    if (after) throw new Error(after);
    return fs.realpathSync(out);
  }
  const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (e) {
    throw new Error(outFolderProblem(out, uid) ?? `--out ${out} cannot be opened: ${(e as Error).message}`);
  }
  try {
    const opened = fs.fstatSync(fd);
    if (uid !== undefined && opened.uid !== uid) throw new Error(outFolderProblem(out, uid));
    fs.fchmodSync(fd, 0o700);
    const after = outFolderProblem(out, uid);
    if (after) throw new Error(after);
    const now = fs.lstatSync(out);
    if (now.ino !== opened.ino || now.dev !== opened.dev)
      throw new Error(`--out ${out} was replaced while it was opened`);
  } finally {
    fs.closeSync(fd);
  }
  return fs.realpathSync(out);
}

/** Writes the plan under `out` (see the module's comment): folders 0700, files 0600, each made new. */
export function writePlan(out: string, plan: BundlePlan, uid: number | undefined = currentUid()): void {
  const root = openOutFolder(out, uid);
  for (const d of plan.dirs) {
    if (d.path === "") continue;
    const dir = pathUnder(root, d.path);
    fs.mkdirSync(dir, { mode: d.mode }); // EEXIST when anything, a symlink too, is already there
    fs.chmodSync(dir, d.mode);
  }
  for (const f of plan.files)
    writeNewFile(pathUnder(root, f.path), f.content, { mode: f.mode, replace: false });
}

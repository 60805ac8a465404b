/**
 * Writing a file without trusting what is already at its path: the content goes to a temporary file created
 * beside it with a random name, exclusively (O_EXCL: never an existing file) and without following a symlink
 * (O_NOFOLLOW), with its mode from the start; it is flushed to disk, then put in place. A reader of the folder
 * never sees half a file, and a symlink planted at the temporary or the final name is never written through.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export interface NewFileOptions {
  /** Mode of the new file (the process umask still applies, as for any new file). */
  mode: number;
  /**
   * True: replace what is at `file` (rename; a symlink there is replaced, not followed). False: refuse when
   * anything is at `file` (EEXIST), as an exclusive create would.
   */
  replace: boolean;
}

/** O_NOFOLLOW where the platform has it (not on Windows, where the exclusive create alone applies). */
const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** Writes `content` to `file` through an exclusive temporary file beside it; see the module's comment. */
export function writeNewFile(file: string, content: string | Buffer, opts: NewFileOptions): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(8).toString("hex")}.tmp`);
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW;
  const fd = fs.openSync(temp, flags, opts.mode);
  try {
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (opts.replace) fs.renameSync(temp, file);
    else fs.linkSync(temp, file); // EEXIST when anything (a symlink too) is at file
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

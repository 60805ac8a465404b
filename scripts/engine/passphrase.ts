/**
 * The generated passphrase of the stack secrets, used when neither PULUMI_CONFIG_PASSPHRASE nor
 * PULUMI_CONFIG_PASSPHRASE_FILE is set. It lives beside the state folder, never inside it (whoever copies the
 * state must not get its key with it): `<state>.passphrase/passphrase.txt`, e.g. `.pulumi-state.passphrase/` for
 * the default `.pulumi-state/`. One left inside the state folder by an earlier version is moved there once.
 * The file is written whole or not at all (a new temporary file, flushed, then linked into place), and a file
 * shorter than {@link MIN_PASSPHRASE_LENGTH} characters is refused, never used.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { writeNewFile } from "../common/new-file";

/** Fewer characters than this is not a passphrase we made (ours has 43): an empty or cut file is refused. */
export const MIN_PASSPHRASE_LENGTH = 32;
/** The file's name, in its folder and (formerly) in the state folder. */
export const PASSPHRASE_FILE_NAME = "passphrase.txt";

type Log = (s: string) => void;

/** The folder of the generated passphrase of the file backend in `stateDir`: its sibling `<name>.passphrase`. */
export const passphraseDirFor = (stateDir: string): string => {
  const dir = path.resolve(stateDir);
  return path.join(path.dirname(dir), `${path.basename(dir)}.passphrase`);
};

/** Where the generated passphrase of the file backend in `stateDir` is. */
export const passphraseFileFor = (stateDir: string): string =>
  path.join(passphraseDirFor(stateDir), PASSPHRASE_FILE_NAME);

const BACKUP =
  "Back it up apart from the state (a password manager, another medium): without it the stack's secrets " +
  "cannot be read, and with the state it gives them all away.";

/** Throws when the passphrase file is shorter than {@link MIN_PASSPHRASE_LENGTH} characters, naming it. */
function checkPassphraseFile(file: string): void {
  const length = fs.readFileSync(file, "utf8").trim().length;
  if (length >= MIN_PASSPHRASE_LENGTH) return;
  throw new Error(
    `The passphrase file ${file} holds ${length === 0 ? "nothing" : `only ${length} characters`}; at least ` +
      `${MIN_PASSPHRASE_LENGTH} are needed, and it is not used (an empty or cut file, e.g. left by a full disk, ` +
      `would encrypt every secret with a guessable passphrase). Restore it from your backup, or set ` +
      `PULUMI_CONFIG_PASSPHRASE_FILE to the right file; if no stack uses it yet, delete it to have a new one generated.`,
  );
}

/** Moves a passphrase an earlier version generated inside the state folder to `file` (once, said once). */
function moveFromStateFolder(old: string, file: string, log: Log): void {
  let content: Buffer;
  try {
    content = fs.readFileSync(old);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // none, or another process just moved it
    throw e;
  }
  checkPassphraseFile(old);
  if (fs.existsSync(file)) {
    if (!fs.readFileSync(file).equals(content)) {
      throw new Error(
        `Two generated passphrase files differ: ${old} (inside the state folder, from an earlier version) and ${file}. ` +
          `Keep the one your stacks were made with (npm run pulumi -- config --show-secrets --stack NAME opens ` +
          `them with it: PULUMI_CONFIG_PASSPHRASE_FILE=<file>), move it to ${file}, and delete the other.`,
      );
    }
  } else {
    writeNewFile(file, content, { mode: 0o600, replace: false });
  }
  fs.rmSync(old, { force: true });
  log(`Moved the passphrase of the stack secrets out of the state folder: ${old} -> ${file}\n${BACKUP}`);
}

/**
 * The generated passphrase file of the file backend in `stateDir` (see the module's comment): moved out of the
 * state folder when an earlier version left it there, generated when absent, and checked.
 */
export function ensurePassphraseFile(stateDir: string, log: Log): string {
  const file = passphraseFileFor(stateDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  moveFromStateFolder(path.join(stateDir, PASSPHRASE_FILE_NAME), file, log);
  if (!fs.existsSync(file)) {
    try {
      writeNewFile(file, crypto.randomBytes(32).toString("base64url") + "\n", {
        mode: 0o600,
        replace: false,
      });
      log(
        `Generated a random passphrase for the stack secrets: ${file}\n${BACKUP}\n` +
          `Set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE to use your own instead.`,
      );
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e; // else another process just wrote it
    }
  }
  checkPassphraseFile(file);
  return file;
}

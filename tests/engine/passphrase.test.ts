/**
 * The generated passphrase (no PULUMI_CONFIG_PASSPHRASE or ..._FILE given): it lives beside the file backend's
 * folder, never inside it; one an earlier version left inside is moved out once (said once) and still opens the
 * stack's secrets on the real CLI; a file shorter than 32 characters is refused, naming it; a write that fails
 * part-way (a full disk, here a file size limit of 0) leaves no passphrase file that a later run would use.
 */
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { engineEnv, pulumiCliEnv, repoRoot } from "../../scripts/engine/workspace";

let tmp: string;
const saved: Record<string, string | undefined> = {};
const PASSPHRASE_VARS = ["PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_BACKEND_URL"];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "xpc-passphrase-"));
  for (const v of PASSPHRASE_VARS) {
    saved[v] = process.env[v];
    delete process.env[v];
  }
});
afterAll(() => {
  for (const v of PASSPHRASE_VARS) if (saved[v] !== undefined) process.env[v] = saved[v];
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A fresh folder for a file backend, and the engine environment of it (its log collected). */
function backend(name: string) {
  const stateDir = path.join(tmp, name, "state");
  const logged: string[] = [];
  const env = () => engineEnv({ backendUrl: pathToFileURL(stateDir).href, log: (s) => logged.push(s) });
  return { stateDir, logged, env };
}

/** Every file under `dir`, relative. */
const filesUnder = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile());

test("a generated passphrase lands beside the state folder (0600 in a 0700 folder), not inside it", () => {
  const b = backend("fresh");
  const file = b.env().PULUMI_CONFIG_PASSPHRASE_FILE;
  expect(file).toBe(path.join(tmp, "fresh", "state.passphrase", "passphrase.txt"));
  const rel = path.relative(b.stateDir, file);
  expect(rel.startsWith(`..${path.sep}`)).toBe(true);
  expect(filesUnder(b.stateDir)).toEqual([]);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  expect(fs.readFileSync(file, "utf8").trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(b.logged).toEqual([
    expect.stringMatching(/Generated a random passphrase .*\nBack it up apart from the state/),
  ]);

  // The same file next time, said nothing.
  expect(b.env().PULUMI_CONFIG_PASSPHRASE_FILE).toBe(file);
  expect(b.logged).toHaveLength(1);
  // A passphrase from the environment is used as before: nothing generated.
  const own = engineEnv({
    backendUrl: pathToFileURL(path.join(tmp, "own", "state")).href,
    env: { PULUMI_CONFIG_PASSPHRASE_FILE: file },
    log: () => undefined,
  });
  expect(own.PULUMI_CONFIG_PASSPHRASE_FILE).toBe(file);
  expect(fs.existsSync(path.join(tmp, "own", "state.passphrase"))).toBe(false);
});

test("a passphrase inside the state folder is moved out once, and still opens the stack's secrets", async () => {
  const b = backend("upgrade");
  fs.mkdirSync(b.stateDir, { recursive: true });
  const old = path.join(b.stateDir, "passphrase.txt");
  const passphrase = "Wq3-0ldLayoutPassphrase_0123456789abcdefgh";
  fs.writeFileSync(old, passphrase + "\n", { mode: 0o600 });

  // A stack made the old way: its secret encrypted with the passphrase inside the state folder.
  const work = path.join(tmp, "upgrade", "work");
  fs.mkdirSync(work);
  fs.writeFileSync(path.join(work, "Pulumi.yaml"), "name: xprotect-certs\nruntime: nodejs\n");
  const { cli, env } = await pulumiCliEnv({
    env: { PULUMI_CONFIG_PASSPHRASE_FILE: old },
    backendUrl: pathToFileURL(b.stateDir).href,
  });
  const pulumi = (args: string[], e: NodeJS.ProcessEnv) =>
    execFileSync(cli.path, [...args, "--non-interactive"], { cwd: work, env: e, encoding: "utf8" });
  pulumi(["stack", "init", "moved", "--secrets-provider", "passphrase"], env);
  pulumi(["config", "set", "--secret", "pfxPasswords", "kept-secret-value", "--stack", "moved"], env);

  const file = b.env().PULUMI_CONFIG_PASSPHRASE_FILE;
  expect(file).toBe(path.join(tmp, "upgrade", "state.passphrase", "passphrase.txt"));
  expect(fs.existsSync(old)).toBe(false);
  expect(fs.readFileSync(file, "utf8")).toBe(passphrase + "\n");
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(b.logged).toEqual([
    `Moved the passphrase of the stack secrets out of the state folder: ${old} -> ${file}\n` +
      "Back it up apart from the state (a password manager, another medium): without it the stack's secrets " +
      "cannot be read, and with the state it gives them all away.",
  ]);
  b.env();
  expect(b.logged).toHaveLength(1);

  const after = await pulumiCliEnv({ backendUrl: pathToFileURL(b.stateDir).href, log: () => undefined });
  expect(after.env.PULUMI_CONFIG_PASSPHRASE_FILE).toBe(file);
  expect(pulumi(["config", "get", "pfxPasswords", "--stack", "moved"], after.env).trim()).toBe(
    "kept-secret-value",
  );
}, 120_000);

test.each([
  ["an empty", "", /holds nothing; at least 32 are needed, and it is not used/],
  ["a short", "0123456789\n", /holds only 10 characters; at least 32 are needed/],
])(
  "%s passphrase file is refused, naming it (inside the state folder or beside it)",
  (_kind, content, reason) => {
    const inside = backend(`inside-${_kind.split(" ")[1]}`);
    fs.mkdirSync(inside.stateDir, { recursive: true });
    const old = path.join(inside.stateDir, "passphrase.txt");
    fs.writeFileSync(old, content);
    expect(() => inside.env()).toThrow(new RegExp(`The passphrase file ${old} ${reason.source}`));

    const beside = backend(`beside-${_kind.split(" ")[1]}`);
    const file = path.join(path.dirname(beside.stateDir), "state.passphrase", "passphrase.txt");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    expect(() => beside.env()).toThrow(new RegExp(`The passphrase file ${file} ${reason.source}`));
    expect(fs.readFileSync(file, "utf8")).toBe(content);
  },
);

test("a write of the passphrase that fails part-way (disk full) leaves nothing a later run would use", async () => {
  const stateDir = path.join(tmp, "full", "state");
  const script =
    `require(${JSON.stringify(path.join(repoRoot(), "dist/scripts/engine/workspace.js"))})` +
    `.engineEnv({ backendUrl: ${JSON.stringify(pathToFileURL(stateDir).href)}, log: () => {} })`;
  const env = { ...process.env };
  for (const v of PASSPHRASE_VARS) delete env[v];
  const failed = await new Promise<{ code: number | null; err: string }>((resolve) =>
    execFile(
      "bash",
      ["-c", 'ulimit -f 0; exec "$0" -e "$1"', process.execPath, script],
      { env },
      (e, _o, err) => resolve({ code: e ? (e.code as number) : 0, err }),
    ),
  );
  expect(failed.code).not.toBe(0);
  expect(failed.err).toMatch(/EFBIG/);

  const b = { stateDir, logged: [] as string[] };
  const file = engineEnv({
    backendUrl: pathToFileURL(stateDir).href,
    log: (s) => b.logged.push(s),
  }).PULUMI_CONFIG_PASSPHRASE_FILE;
  expect(fs.readFileSync(file, "utf8").trim().length).toBeGreaterThanOrEqual(32);
  expect(b.logged).toEqual([expect.stringMatching(/^Generated a random passphrase/)]);
  expect(fs.readdirSync(path.dirname(file))).toEqual(["passphrase.txt"]);
});

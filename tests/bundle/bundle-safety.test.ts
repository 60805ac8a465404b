/**
 * `npm run bundle` trusts nothing already on disk nor the server names of the outputs (real engine, the CLI in
 * its own process): a prepared --out holding a readable manifest and a symlink where the PFX goes, an --out that
 * is a symlink, and an --out owned by another user are refused with nothing written anywhere; an empty folder of
 * ours is used. Outputs holding a server named `../../escaped` (an edited state brought in with
 * `pulumi stack import`) are refused before anything is written, inside or outside --out.
 */
import { execFile } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../../scripts/engine/workspace";
import { outFolderProblem, pathUnder } from "../../scripts/bundle/write";
import { siteProgram } from "../../stacks";
import { TEST_PASSPHRASE, tempSite, TempSite } from "../engine/harness";

const SERVERS = {
  rec01: { role: "recordingServer", hostname: "rec01.vms.example.local" },
  mgmt01: { role: "managementServer", hostname: "mgmt01.vms.example.local" },
};

let site: TempSite;
let passwords: Record<string, string>;
let tmp: string;

function bundle(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: pathToFileURL(site.backendDir).href,
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    XPROTECT_CERTS_WORKDIR: site.workDir,
  };
  const cli = join(repoRoot(), "dist/scripts/bundle/cli.js");
  return new Promise((resolve) =>
    execFile(process.execPath, [cli, "--stack", "safety", ...args], { env }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, out: stdout, err: stderr }),
    ),
  );
}

/** Every file under `dir` (recursively, symlinks not followed), relative. */
function tree(dir: string, prefix = ""): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return lstatSync(p).isDirectory() ? [`${prefix}${f}/`, ...tree(p, `${prefix}${f}/`)] : [`${prefix}${f}`];
  });
}

beforeAll(async () => {
  site = await tempSite({ stackName: "safety", program: siteProgram });
  await site.setConfig({
    "xprotect-certs:site": { value: JSON.stringify({ ca: { rsaBits: 2048 }, servers: SERVERS }) },
  });
  await site.up();
  passwords = (await site.outputs()).pfxPasswords as Record<string, string>;
  tmp = mkdtempSync(join(tmpdir(), "xpc-bundle-safety-"));
}, 300_000);

afterAll(async () => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  await site?.cleanup();
});

test("a prepared --out with a readable manifest and a symlink where the PFX goes is refused; nothing lands anywhere", async () => {
  const dir = join(tmp, "prepared");
  mkdirSync(join(dir, "rec01"), { recursive: true });
  chmodSync(dir, 0o777);
  chmodSync(join(dir, "rec01"), 0o777);
  writeFileSync(join(dir, "rec01", "rec01.json"), "", { mode: 0o644 });
  chmodSync(join(dir, "rec01", "rec01.json"), 0o644);
  const stolen = join(tmp, "stolen.pfx");
  symlinkSync(stolen, join(dir, "rec01", "rec01.pfx"));

  const r = await bundle(["--server", "rec01", "--out", dir]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(
    /--out .*prepared is not empty \(it holds rec01\): a bundle is written into a new or empty folder only/,
  );
  expect(existsSync(stolen)).toBe(false);
  expect(readFileSync(join(dir, "rec01", "rec01.json"), "utf8")).toBe("");
  expect(tree(dir).sort()).toEqual(["rec01/", "rec01/rec01.json", "rec01/rec01.pfx"]);
  expect(r.err + r.out).not.toContain(passwords.rec01);
});

test("an --out that is a symlink is refused, also to an empty folder of ours; the folder stays empty", async () => {
  const target = join(tmp, "target");
  mkdirSync(target);
  const link = join(tmp, "link");
  symlinkSync(target, link);
  const r = await bundle(["--all", "--clients", "--out", link]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/--out .*link is a symlink: the bundle is never written through one/);
  expect(readdirSync(target)).toEqual([]);
});

test("an --out owned by another user is refused; an empty folder of ours is used, made 0700", async () => {
  const empty = join(tmp, "empty");
  mkdirSync(empty);
  chmodSync(empty, 0o755);
  const me = process.getuid!();
  expect(outFolderProblem(empty, me + 1)).toMatch(
    new RegExp(
      `--out .*empty is owned by user ${me}, not by you \\(${me + 1}\\): others may read or redirect`,
    ),
  );
  expect(outFolderProblem(empty, me)).toBeUndefined();

  const r = await bundle(["--server", "rec01", "--out", empty]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  expect(statSync(empty).mode & 0o777).toBe(0o700);
  expect(
    tree(empty)
      .filter((f) => !f.includes("/ca-"))
      .sort(),
  ).toEqual(["order.txt", "rec01/", "rec01/rec01.json", "rec01/rec01.pfx"]);
  for (const f of tree(empty).filter((f) => !f.endsWith("/"))) {
    expect({
      f,
      file: lstatSync(join(empty, f)).isFile(),
      mode: statSync(join(empty, f)).mode & 0o777,
    }).toEqual({
      f,
      file: true,
      mode: 0o600,
    });
  }
  expect(JSON.parse(readFileSync(join(empty, "rec01", "rec01.json"), "utf8")).pfxPassword).toBe(
    passwords.rec01,
  );

  // Written once: the same folder, now holding a bundle, is refused the second time.
  const again = await bundle(["--server", "rec01", "--out", empty]);
  expect(again.code).toBe(2);
  expect(again.err).toMatch(/is not empty \(it holds .*order\.txt.*\): .*remove the old bundle first/);
});

test("pathUnder refuses what leaves the folder", () => {
  expect(pathUnder("/b/out", "rec01/rec01.pfx")).toBe("/b/out/rec01/rec01.pfx");
  for (const rel of ["../x", "../../escaped/../../escaped.pfx", "/etc/passwd", "", "a/../../b"])
    expect(() => pathUnder("/b/out", rel)).toThrow(/is not a path under --out \/b\/out/);
});

test("outputs naming a server ../../escaped (an edited state, pulumi stack import) are refused; nothing is written", async () => {
  const state = JSON.parse(await site.cli(["stack", "export", "--show-secrets", "--stack", "safety"]));
  const root = state.deployment.resources.find((r: { type: string }) => r.type === "pulumi:pulumi:Stack");
  const rename = (map: Record<string, unknown>) => {
    map["../../escaped"] = map.rec01;
    delete map.rec01;
  };
  rename(root.outputs.servers);
  for (const key of ["pfx", "pfxPasswords"]) {
    const secret = root.outputs[key];
    expect(typeof secret.plaintext).toBe("string");
    const map = JSON.parse(secret.plaintext);
    rename(map);
    secret.plaintext = JSON.stringify(map);
  }
  const edited = join(tmp, "edited.json");
  writeFileSync(edited, JSON.stringify(state), { mode: 0o600 });
  await site.cli(["stack", "import", "--file", edited, "--stack", "safety"]);
  rmSync(edited);
  const imported = await site.outputs();
  expect(Object.keys(imported.servers as object).sort()).toEqual(["../../escaped", "mgmt01"]);

  const base = join(tmp, "deep", "a");
  const out = join(base, "b", "out");
  for (const args of [["--all"], ["--server", "../../escaped"], ["--all", "--clients"]]) {
    const r = await bundle([...args, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /stack "safety" has server names that cannot be folder names of a bundle .*\n {2}servers: "\.\.\/\.\.\/escaped" is not a usable server name/,
    );
    expect(r.err + r.out).not.toContain(passwords.rec01);
  }
  expect(existsSync(join(tmp, "deep"))).toBe(false);
  expect(tree(tmp).filter((f) => f.includes("escaped"))).toEqual([]);
});

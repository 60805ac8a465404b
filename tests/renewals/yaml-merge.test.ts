/**
 * YAML merge keys in a stack file and `renewals --apply` (issue 24, item 7). Pulumi reads stack files with go-yaml
 * v3, which resolves `<<: *anchor`: a server that merges another one's map inherits its `generation`. This is
 * checked here with the real Pulumi CLI (`pulumi config get`), which reads the file as `pulumi up` does, before and
 * after the edit: a bump must change exactly the generations of the due servers.
 */
import { execFile } from "child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { pathToFileURL } from "url";
import { ensurePulumiCli, PulumiCli } from "../../scripts/engine/pulumi-binary";
import { applyGenerationBumps, ApplyResult, BumpRequest } from "../../scripts/renewals/yaml-apply";
import { parseSite } from "../../provider/site/config";

jest.setTimeout(5 * 60 * 1000);

const SERIAL = "0A1B2C3D4E5F60718293A4B5C6D7E8F9";
const due = (server: string): BumpRequest => ({ server, certificate: { kind: "serial", value: SERIAL } });

const MERGED = `config:
  xprotect-certs:site:
    ca:
      rsaBits: 2048
    servers:
      rec01: &recorder
        role: recordingServer
        hostname: rec01.vms.example.local
        generation: 2
      rec02:
        <<: *recorder
        hostname: rec02.vms.example.local
      rec03:
        <<: *recorder
        hostname: rec03.vms.example.local
        generation: 5
`;

let cli: PulumiCli;
let dir: string;
let salt: string;

beforeAll(async () => {
  cli = await ensurePulumiCli({ log: () => undefined });
  dir = mkdtempSync(join(tmpdir(), "renewals-merge-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: xprotect-certs\nruntime: nodejs\n");
  mkdirSync(join(dir, "state"));
  await pulumi(["stack", "init", "merge", "--non-interactive"]);
  salt = /^encryptionsalt: .*$/m.exec(readFileSync(join(dir, "Pulumi.merge.yaml"), "utf8"))?.[0] ?? "";
});
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

function pulumi(args: string[]): Promise<string> {
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: pathToFileURL(join(dir, "state")).href,
    PULUMI_CONFIG_PASSPHRASE: "merge-test",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_HOME: join(dir, ".pulumi"),
  };
  return new Promise((resolve, reject) =>
    execFile(cli.path, args, { cwd: dir, env }, (e, out, err) =>
      e ? reject(new Error(`pulumi ${args.join(" ")}: ${err}`)) : resolve(out),
    ),
  );
}

/** Each server's generation as the site program gets it: the site config as Pulumi reads the file, then parseSite. */
async function generationsAsPulumiReads(text: string): Promise<Record<string, number | undefined>> {
  writeFileSync(join(dir, "Pulumi.merge.yaml"), `${text}${salt}\n`);
  const raw = JSON.parse(
    await pulumi(["config", "get", "xprotect-certs:site", "--stack", "merge"]),
  ) as unknown;
  const { site, failures } = parseSite(raw);
  expect(failures).toEqual([]);
  return Object.fromEntries(site!.servers.map((s) => [s.name, s.generation]));
}

function applied(text: string, bumps: BumpRequest[]): Extract<ApplyResult, { ok: true }> {
  const r = applyGenerationBumps({ text, file: "Pulumi.merge.yaml", bumps });
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return r;
}

test("Pulumi resolves merge keys: a server that merges another inherits its generation", async () => {
  expect(await generationsAsPulumiReads(MERGED)).toEqual({ rec01: 2, rec02: 2, rec03: 5 });
});

test("bumping the anchored server changes its generation only: the servers merging it are kept", async () => {
  const r = applied(MERGED, [due("rec01")]);
  expect(r.bumped).toEqual([{ server: "rec01", from: 2, to: 3 }]);
  expect(await generationsAsPulumiReads(r.text)).toEqual({ rec01: 3, rec02: 2, rec03: 5 });
  expect(r.text).toContain(
    "        hostname: rec02.vms.example.local\n" +
      "        generation: 2 # renewals: kept at 2, not due (it merges a server whose generation was bumped)\n",
  );
  // A second run before up changes nothing.
  expect(applied(r.text, [due("rec01")]).text).toBe(r.text);
});

test("bumping a server that inherits its generation: from the inherited one, nothing else changes", async () => {
  const r = applied(MERGED, [due("rec02")]);
  expect(r.bumped).toEqual([{ server: "rec02", from: 2, to: 3 }]);
  expect(await generationsAsPulumiReads(r.text)).toEqual({ rec01: 2, rec02: 3, rec03: 5 });
});

test("an alias of a whole server that would follow a bump is refused, naming it and the fix", () => {
  const text = MERGED.replace(
    "      rec03:\n        <<: *recorder\n        hostname: rec03.vms.example.local\n        generation: 5\n",
    "      rec03: *recorder\n",
  );
  const r = applyGenerationBumps({ text, file: "Pulumi.merge.yaml", bumps: [due("rec01")] });
  expect(r).toEqual({
    ok: false,
    problems: [
      expect.stringMatching(
        /^servers\.rec03 of .* is not due, but it shares its generation with a server bumped here \(an alias or a merge key, <<\): write its generation as a number in its own block map/,
      ),
    ],
  });
});

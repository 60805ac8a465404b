/**
 * The README's commands, run as written on the real engine (only the files they read or write are moved to a
 * temp folder, and the stack lives on a temp backend):
 * - every `config set --secret` line takes its value from standard input, never from the command line, and the
 *   value arrives exactly (a password of digits, a name with a dot in `["..."]`);
 * - every line that redirects machine-readable output to a file writes exactly that output (no npm banner);
 * then an `up` issues the site with those secrets, and OpenSSL opens each PFX with the password set.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { siteProgram } from "../../stacks";
import { TEST_PASSPHRASE, tempSite, TempSite } from "../engine/harness";
import { openssl } from "../helpers/openssl";
import { FIXTURE_PASSWORD, Fixtures, makeFixtures } from "../helpers/vendor-fixtures";

const ROOT = join(__dirname, "../..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The lines of the README's ```sh blocks. */
const shellLines = (): string[] =>
  [...README.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split("\n")).filter((l) => l.trim());

/** The command part of a README line (its trailing `# comment` dropped). */
const command = (line: string) => line.replace(/\s+#.*$/, "").trim();

let site: TempSite;
let fx: Fixtures;
let files: string;

beforeAll(async () => {
  fx = makeFixtures();
  files = mkdtempSync(join(tmpdir(), "xpc-readme-"));
  site = await tempSite({
    stackName: "example",
    program: siteProgram,
    config: {
      "xprotect-certs:site": {
        value: JSON.stringify({
          servers: {
            rec01: { role: "recordingServer", hostname: "rec01.vms.example.local" },
            "rec.02": { role: "recordingServer", hostname: "rec02.vms.example.local" },
          },
        }),
      },
    },
  });
}, 300_000);

afterAll(async () => {
  await site?.cleanup();
  rmSync(files, { recursive: true, force: true });
});

/** Runs a README line with bash in the repository, on the temp stack; `stdin` feeds it when it reads no file. */
function runLine(line: string, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: pathToFileURL(site.backendDir).href,
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    XPROTECT_CERTS_WORKDIR: site.workDir,
  };
  return new Promise((resolve) => {
    const child = execFile(
      "bash",
      ["-c", line],
      { cwd: ROOT, env, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin ?? "");
  });
}

/** A README line with its `< FILE` / `> FILE` moved into the temp folder. */
const moved = (line: string) =>
  command(line).replace(/([<>]) (\S+)$/, (_, op, f) => `${op} ${join(files, f)}`);

const configValue = async (key: string, path: boolean) =>
  (await site.cli(["config", "get", ...(path ? ["--path"] : []), key, "--stack", "example"])).replace(
    /\n$/,
    "",
  );

test("every README line that sets a secret takes it from standard input, and it arrives exactly", async () => {
  const lines = shellLines().filter((l) => /pulumi -- config set --secret/.test(l));
  expect(lines.length).toBeGreaterThanOrEqual(4);
  // What each README line sets, and the value fed to it: a password of digits, a PFX, a name with a dot.
  const values: Record<string, string> = {
    caPfx: fx.vendorCa.pfx3des,
    caPfxPassword: FIXTURE_PASSWORD,
    'serverPfx["rec01"]': fx.vendorServer.pfx3des,
    'pfxPasswords["rec01"]': FIXTURE_PASSWORD,
  };
  const seen = new Set<string>();
  for (const line of lines) {
    const c = command(line);
    // Nothing after the key but options and an input redirection: no secret in any process listing.
    const m = /config set --secret (?:--path '([^']+)'|(\w+)) --stack example(?: < (\S+))?$/.exec(c);
    expect({ line, parsed: m !== null }).toEqual({ line, parsed: true });
    const key = m![1] ?? m![2];
    expect(Object.keys(values)).toContain(key);
    if (m![3]) writeFileSync(join(files, m![3]), values[key]);
    const r = await runLine(moved(c), m![3] ? undefined : values[key]);
    expect({ line, code: r.code, stderr: r.stderr }).toEqual({ line, code: 0, stderr: expect.any(String) });
    expect(await configValue(key, m![1] !== undefined)).toBe(values[key]);
    seen.add(key);
  }
  expect([...seen].sort()).toEqual(Object.keys(values).sort());

  // The same pfxPasswords line, for a server whose name has a dot, and a password of digits.
  const passwordLine = lines.find((l) => l.includes(`'pfxPasswords["rec01"]'`) && !l.includes("<"))!;
  const dotted = command(passwordLine).replace('["rec01"]', '["rec.02"]');
  expect((await runLine(dotted, "12345678")).code).toBe(0);
  expect(await configValue('pfxPasswords["rec.02"]', true)).toBe("12345678");
}, 600_000);

test("the site issues with those secrets: the vendor CA adopted, rec01 kept, rec.02's PFX opens with 12345678", async () => {
  const r = await site.up();
  expect(r.changeSummary).toEqual({ create: 1 + 1 + 1 + 2 * 2 }); // stack, site component, CA, 2 x 2
  const o = r.outputs as {
    caThumbprint: string;
    servers: Record<string, { thumbprint: string }>;
    pfx: Record<string, string>;
    pfxPasswords: Record<string, string>;
  };
  expect(o.caThumbprint).toBe(fx.vendorCa.thumbprint);
  expect(o.servers.rec01.thumbprint).toBe(fx.vendorServer.thumbprint);
  expect(o.pfxPasswords["rec.02"]).toBe("12345678");
  const opened = openssl(["pkcs12", "-in", "p.pfx", "-passin", "pass:12345678", "-nokeys", "-clcerts"], {
    "p.pfx": Buffer.from(o.pfx["rec.02"], "base64"),
  });
  expect(opened.stdout).toContain("subject=CN = rec02.vms.example.local");
});

test("every README line that writes machine-readable output to a file writes exactly that output", async () => {
  const lines = shellLines().filter((l) => /^npm .*--json.* > \S+/.test(command(l)));
  expect(lines.length).toBeGreaterThanOrEqual(1);
  for (const line of lines) {
    const r = await runLine(moved(line));
    expect({ line, code: r.code }).toEqual({ line, code: 0 });
    const written = readFileSync(join(files, /> (\S+)$/.exec(command(line))![1]), "utf8");
    const parsed = JSON.parse(written) as { contractVersion?: number; pfx?: unknown };
    expect(parsed.contractVersion).toBe(1);
    expect(typeof parsed.pfx).toBe("object"); // --show-secrets: the PFXs themselves, not "[secret]"
  }
}, 300_000);

/** The built CLI (dist/scripts/renewals/cli.js) run as a child process: output, files and exit codes. */
import { parseArgs } from "../../scripts/renewals/args";
import { main } from "../../scripts/renewals/cli";
import { execFile } from "child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  lstatSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse } from "yaml";
import { ALL_FINE, MIXED, NEW_ROOT, NOW, OLD_ROOT, rotationRoots, siteOutputs } from "./fixtures";

const ROOT = join(__dirname, "../..");
const CLI = join(ROOT, "dist/scripts/renewals/cli.js");
let dir: string;

beforeAll(() => {
  const sources = join(ROOT, "scripts/renewals");
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: run \`npm run build\` first (npm test does)`);
  const newest = Math.max(...readdirSync(sources).map((f) => statSync(join(sources, f)).mtimeMs));
  if (statSync(CLI).mtimeMs < newest)
    throw new Error(`${CLI} is older than scripts/renewals: run \`npm run build\``);
  dir = mkdtempSync(join(tmpdir(), "renewals-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: dir, env: { ...process.env, XPROTECT_CERTS_NOW: NOW, ...env } },
      (e, out, err) => resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, out, err }),
    ),
  );
}
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

test("--help prints the usage and exits 0", async () => {
  const r = await run(["--help"]);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^Usage: npm run renewals -- \[--stack NAME\] \[options\]/);
  expect(r.out).toContain("default: example, as npm run up");
  for (const o of [
    "--within",
    "--apply",
    "--pr-body",
    "--html",
    "--json",
    "--metrics",
    "--outputs",
    "--config-file",
  ])
    expect(r.out).toContain(o);
});

test("exit 0 when nothing is due, 10 when something is, with the table on stdout", async () => {
  const fine = await run(["--outputs", file("fine.json", siteOutputs(ALL_FINE))]);
  expect(fine).toMatchObject({ code: 0, err: "" });
  expect(fine.out).toContain("No server certificate is due within 30 days");
  const due = await run(["--outputs", file("mixed.json", siteOutputs(MIXED)), "--stack", "site"]);
  expect(due.code).toBe(10);
  expect(due.out).toMatch(
    /^rec02 +rec02\.vms\.example\.local +recordingServer +2027-04-15 +44 +renewal due on 2027-03-16/m,
  );
  expect(due.out).toContain("1 other certificate not due within 30 days.");
  const now = await run(["--outputs", join(dir, "mixed.json"), "--within", "0", "--json"]);
  expect(now.code).toBe(10);
  const json = JSON.parse(now.out);
  expect(json.due.map((d: { server: string }) => d.server)).toEqual(["old01", "rec01"]);
  expect(Object.keys(json)).toEqual([
    "now",
    "withinDays",
    "due",
    "notDue",
    "ca",
    "roots",
    "rotation",
    "nextStep",
  ]);
  expect(json).toMatchObject({ now: NOW, withinDays: 0, notDue: 2, ca: { due: false } });
});

test("a CA near expiry alone exits 10; --apply stages a new root once, and refuses a file without ca", async () => {
  const config = join(dir, "Pulumi.ca.yaml");
  copyFileSync(join(ROOT, "stacks/Pulumi.example.yaml"), config);
  const example = readFileSync(config, "utf8");
  const outputs = file("ca.json", siteOutputs(ALL_FINE, { notAfter: "2027-06-01T00:00:00Z" }));
  const args = ["--outputs", outputs, "--apply", "--config-file", config];
  const r = await run([...args, "--pr-body", "ca-pr.md"]);
  expect({ code: r.code, err: r.err }).toEqual({ code: 10, err: "" });
  expect(r.out).toMatch(
    /^CA C{40} expires on 2027-06-01 \(91 days left, within 180\): a server generation bump does not renew the CA/m,
  );
  expect(r.out).toContain(
    "Pulumi.ca.yaml: nextCa (generation 1) added after ca: the stage step of a root rotation",
  );
  const staged = readFileSync(config, "utf8");
  expect(parse(staged).config["xprotect-certs:site"].nextCa).toEqual({
    generation: 1,
    commonName: "VMS Certificate Authority",
    organization: "Example Security Ltd",
    rsaBits: 3072,
    validityDays: 3650,
  });
  expect(
    staged.replace(/^ {4}# renewals: stage a new root.*\n {4}nextCa:\n( {6}.*\n)+?(?= {4}defaults:)/m, ""),
  ).toBe(example);
  const pr = readFileSync(join(dir, "ca-pr.md"), "utf8");
  expect(pr.split("\n")[0]).toBe("Stage a new root CA for ca (the CA expires on 2027-06-01)");
  expect(pr).toContain("This change adds `nextCa` (generation 1) to");

  const again = await run(args);
  expect(again.code).toBe(10);
  expect(again.out).toContain("nextCa is already there (generation 1): nothing written");
  expect(readFileSync(config, "utf8")).toBe(staged);

  const noCa = file(
    "Pulumi.noca.yaml",
    "config:\n  xprotect-certs:site:\n    servers:\n      mgmt01: { role: managementServer, hostname: m.example.local }\n",
  );
  const before = readFileSync(noCa, "utf8");
  const refused = await run(["--outputs", outputs, "--apply", "--config-file", noCa]);
  expect({ code: refused.code, out: refused.out }).toEqual({ code: 2, out: "" });
  expect(refused.err).toMatch(
    /^renewals: --apply changed nothing:\nca of config."xprotect-certs:site" in .*Pulumi\.noca\.yaml is missing: /,
  );
  expect(readFileSync(noCa, "utf8")).toBe(before);
});

test("a rotation in progress: staged exits 10 while the active root is due, switched exits 0; --apply writes no step", async () => {
  const config = join(dir, "Pulumi.rot.yaml");
  copyFileSync(join(ROOT, "stacks/Pulumi.example.yaml"), config);
  const example = readFileSync(config, "utf8");
  const staged = file("staged.json", siteOutputs(ALL_FINE, {}, rotationRoots("staged")));
  const s = await run([
    "--outputs",
    staged,
    "--apply",
    "--config-file",
    config,
    "--json",
    "--pr-body",
    "rot-pr.md",
  ]);
  expect(s.code).toBe(10);
  const json = JSON.parse(s.out);
  expect(json).toMatchObject({
    rotation: "staged",
    ca: { thumbprint: OLD_ROOT, due: true },
    nextStep: { step: "switch" },
  });
  expect(json.roots.map((r: { status: string }) => r.status)).toEqual(["active", "next"]);
  expect(s.err).toMatch(
    /^--apply does not write the switch step of the root rotation: it is a reviewed decision\. Next: switch: /,
  );
  expect(readFileSync(config, "utf8")).toBe(example);
  const pr = readFileSync(join(dir, "rot-pr.md"), "utf8");
  expect(pr.split("\n")[0]).toBe("The CA of staged expires on 2027-06-01 (root rotation staged)");
  expect(pr).toContain(`| next | ${NEW_ROOT} | 2037-02-01T00:00:00Z | 3624 |`);
  expect(pr).toMatch(/Next step, not written by renewals \(a reviewed decision\): switch: /);

  const text = await run(["--outputs", staged]);
  expect(text.out).toMatch(
    /^CA 0{39}1 expires on 2027-06-01 \(91 days left, within 180\): a root rotation is under way \(staged\): take its next step, below$/m,
  );
  expect(text.out).toMatch(/^Next step of the root rotation: switch: /m);
  const stagedFar = file(
    "staged-far.json",
    siteOutputs(ALL_FINE, {}, rotationRoots("staged", "2030-01-01T00:00:00Z")),
  );
  const far = await run(["--outputs", stagedFar]);
  expect(far.code).toBe(0);
  expect(far.out).toContain("Root CAs (rotation: staged):");

  const switched = file("switched.json", siteOutputs(ALL_FINE, {}, rotationRoots("switched")));
  const w = await run(["--outputs", switched, "--apply", "--config-file", config]);
  expect(w.code).toBe(0);
  expect(w.out).toContain("Root CAs (rotation: switched):");
  expect(w.out).toMatch(/^--apply does not write the retire step of the root rotation/m);
  expect(readFileSync(config, "utf8")).toBe(example);
});

test("--metrics writes the textfile with --outputs, leaving no temporary file; an unwritable path exits 2", async () => {
  const out = join(dir, "metrics");
  mkdirSync(out);
  const r = await run([
    "--outputs",
    file("m.json", siteOutputs(ALL_FINE, {}, rotationRoots("staged"))),
    "--metrics",
    join(out, "xprotect.prom"),
  ]);
  expect(r.code).toBe(10);
  expect(readdirSync(out)).toEqual(["xprotect.prom"]);
  const text = readFileSync(join(out, "xprotect.prom"), "utf8");
  expect(text).toContain(
    `xprotect_ca_not_after_timestamp_seconds{thumbprint="${NEW_ROOT}",status="next"} ${Date.parse("2037-02-01T00:00:00Z") / 1000}\n`,
  );
  expect(text).toContain(
    'xprotect_certificate_not_after_timestamp_seconds{server="mgmt01",role="managementServer",hostname="mgmt01.vms.example.local",',
  );
  const bad = await run(["--outputs", join(dir, "m.json"), "--metrics", join(dir, "no-such-dir", "x.prom")]);
  expect(bad.code).toBe(2);
  expect(bad.err).toMatch(/^renewals: cannot write --metrics .*x\.prom: ENOENT/);
});

test("--metrics writes through no symlink planted at the temporary name it used to use, nor at the target", async () => {
  const out = join(dir, "metrics-planted");
  mkdirSync(out);
  const victim = join(dir, "victim.txt");
  writeFileSync(victim, "not yours\n", { mode: 0o644 });
  // The former temporary name was predictable: .<file>.<pid>.tmp. main() runs in this process: its pid is ours.
  const planted = join(out, `.xprotect.prom.${process.pid}.tmp`);
  symlinkSync(victim, planted);
  const outputs = file("mp.json", siteOutputs(ALL_FINE, {}, rotationRoots("staged")));
  const run = (target: string) =>
    main(["--outputs", outputs, "--metrics", target], {
      out: () => undefined,
      err: () => undefined,
      env: { XPROTECT_CERTS_NOW: NOW },
    });
  expect(await run(join(out, "xprotect.prom"))).toBe(10);
  expect(readFileSync(victim, "utf8")).toBe("not yours\n");
  expect(lstatSync(join(out, "xprotect.prom")).isFile()).toBe(true);
  expect(readFileSync(join(out, "xprotect.prom"), "utf8")).toContain(
    "xprotect_certificate_not_after_timestamp_seconds",
  );
  expect(readdirSync(out).sort()).toEqual([`.xprotect.prom.${process.pid}.tmp`, "xprotect.prom"]);
  expect(lstatSync(planted).isSymbolicLink()).toBe(true);

  // A symlink at the target itself is replaced by the new file, not written through.
  const linked = join(out, "linked.prom");
  symlinkSync(victim, linked);
  expect(await run(linked)).toBe(10);
  expect(readFileSync(victim, "utf8")).toBe("not yours\n");
  expect(lstatSync(linked).isFile()).toBe(true);
});

test("--apply bumps the due servers once, writes the PR body and the calendar", async () => {
  const outputs = siteOutputs({
    mgmt01: MIXED.mgmt01,
    rec01: MIXED.rec01,
    event01: { ...MIXED.rec02, role: "eventServer" },
  });
  const config = join(dir, "Pulumi.site.yaml");
  copyFileSync(join(ROOT, "stacks/Pulumi.example.yaml"), config);
  const example = readFileSync(config, "utf8");
  const args = [
    "--outputs",
    file("site.json", outputs),
    "--stack",
    "site",
    "--config-file",
    config,
    "--apply",
  ];
  const r = await run([...args, "--pr-body", "pr.md", "--html", "calendar.html"]);
  expect(r.err).toBe("");
  expect(r.code).toBe(10);
  expect(r.out).toContain("Pulumi.site.yaml: rec01 generation 0 -> 1\n");
  expect(r.out).toContain("Pulumi.site.yaml: event01 generation 0 -> 1\n");
  const edited = readFileSync(config, "utf8");
  const servers = outputs.servers as Record<string, { serialNumber: string }>;
  expect(edited).toContain(
    `        generation: 1 # renewals: bumped for serial ${servers.rec01.serialNumber}\n`,
  );
  expect(edited.replace(/^ {8}generation: 1 # renewals: .*\n/gm, "")).toBe(example);
  const site = parse(edited).config["xprotect-certs:site"];
  expect([
    site.servers.rec01.generation,
    site.servers.event01.generation,
    site.servers.mgmt01.generation,
  ]).toEqual([1, 1, undefined]);

  const pr = readFileSync(join(dir, "pr.md"), "utf8").split("\n");
  expect(pr[0]).toBe("Renew 2 certificates of site: rec01, event01");
  expect(pr).toContain(
    "| event01 | event01.vms.example.local | 2027-04-15T00:00:00Z | renewal due on 2027-03-16 (in 15 days) |",
  );
  expect(readFileSync(join(dir, "calendar.html"), "utf8")).toMatch(/^<!DOCTYPE html>/);

  const again = await run([...args, "--pr-body", "pr2.md"]);
  expect(again.code).toBe(10);
  expect(again.out).toContain(
    `rec01 already bumped to generation 1 for serial ${servers.rec01.serialNumber}`,
  );
  expect(readFileSync(config, "utf8")).toBe(edited);
  // The PR body of the second run still says what the branch changes.
  expect(readFileSync(join(dir, "pr2.md"), "utf8")).toBe(readFileSync(join(dir, "pr.md"), "utf8"));
});

const STAGED = [
  '    # renewals: stage a new root; see README "Rotating the root CA"',
  "    nextCa:",
  "      generation: 1",
  "      commonName: VMS Certificate Authority",
  "      organization: Example Security Ltd",
  "      rsaBits: 3072",
  "      validityDays: 3650",
  "",
].join("\n");

test("--apply leaves alone a certificate held back by its root, at every weekly run (issue 24, item 5)", async () => {
  // rec01 ends with the root (cut short): a reissue would end no later. event01 ends before it: bumped.
  const root = { notAfter: "2027-03-20T00:00:00Z" };
  const capped = {
    notBefore: "2026-06-01T00:00:00Z",
    notAfter: root.notAfter,
    renewalDue: "2027-02-18T00:00:00Z",
  };
  const config = join(dir, "Pulumi.held.yaml");
  copyFileSync(join(ROOT, "stacks/Pulumi.example.yaml"), config);
  const example = readFileSync(config, "utf8");
  // Two weekly runs: between them an up reissued rec01 (new serial, same notAfter).
  for (const serialNumber of ["AA01", "AA02"]) {
    const outputs = siteOutputs(
      {
        rec01: { ...capped, serialNumber },
        event01: {
          role: "eventServer",
          serialNumber: "BB01",
          notBefore: "2025-03-15T00:00:00Z",
          notAfter: "2027-03-15T00:00:00Z",
          renewalDue: "2027-02-13T00:00:00Z",
        },
      },
      root,
    );
    const r = await run([
      "--outputs",
      file("held.json", outputs),
      "--config-file",
      config,
      "--apply",
      "--pr-body",
      "held.md",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(10);
    expect(r.out).toMatch(
      /rec01 not bumped: it ends with its root CA, so a new certificate would end no later/,
    );
    expect(r.out).not.toContain("rec01 generation");
    const site = parse(readFileSync(config, "utf8")).config["xprotect-certs:site"];
    expect([site.servers.rec01.generation, site.servers.event01.generation]).toEqual([undefined, 1]);
    const pr = readFileSync(join(dir, "held.md"), "utf8");
    expect(pr.split("\n")[0]).toBe("Renew 1 certificate of held: event01");
    expect(pr).toContain("Not bumped, held back by their root CA");
  }
  // Only event01's bump and the stage step (the root is due too) were written.
  const edited = readFileSync(config, "utf8");
  expect(edited.replace(/^ {8}generation: 1 # renewals: .*\n/gm, "")).toBe(
    example.replace(/( {6}validityDays: 3650\n)/, `$1${STAGED}`),
  );
});

test("--apply with ca in flow style still writes the due servers' bumps; the stage step is reported (issue 24, item 6)", async () => {
  const config = file(
    "Pulumi.flowca.yaml",
    "config:\n  xprotect-certs:site:\n    ca: { rsaBits: 2048 }\n    servers:\n      rec01:\n" +
      "        role: recordingServer\n        hostname: rec01.vms.example.local\n",
  );
  const outputs = siteOutputs({ rec01: MIXED.rec01 }, { notAfter: "2027-06-01T00:00:00Z" });
  const r = await run([
    "--outputs",
    file("flowca.json", outputs),
    "--config-file",
    config,
    "--apply",
    "--pr-body",
    "flowca.md",
  ]);
  expect(r.code).toBe(10);
  expect(r.out).toContain("Pulumi.flowca.yaml: rec01 generation 0 -> 1\n");
  expect(r.err).toMatch(
    /the server bumps are written, but not the stage step of the root rotation \(nextCa\): ca of .* is in flow style/,
  );
  const site = parse(readFileSync(config, "utf8")).config["xprotect-certs:site"];
  expect([site.servers.rec01.generation, site.nextCa]).toEqual([1, undefined]);
  const pr = readFileSync(join(dir, "flowca.md"), "utf8");
  expect(pr).toContain("Step now: stage a next root. --apply could not write it");
});

test("errors exit 2 with a message naming the problem and the fix", async () => {
  const cases: Array<[string[], RegExp, Record<string, string>?]> = [
    [
      ["--outputs", file("bad.json", '{"servers": ')],
      /bad\.json is not valid JSON .*: write it with `npm run --silent pulumi -- stack output --json/,
    ],
    [
      ["--outputs", file("empty.json", "{}")],
      /the stack has no outputs: run `npm run up -- --stack NAME` first/,
    ],
    [["--outputs", join(dir, "missing.json")], /cannot read --outputs .*missing\.json: ENOENT/],
    [
      ["--outputs", join(dir, "mixed.json"), "--within", "soon"],
      /--within "soon" is not a whole number of days: use e\.g\. --within 30/,
    ],
    [["--outputs", join(dir, "mixed.json"), "--frobnicate"], /Unknown argument: --frobnicate \(see --help\)/],
    [
      ["--outputs", join(dir, "mixed.json"), "--apply", "--config-file", join(dir, "nope.yaml")],
      /cannot read the stack file .*nope\.yaml: ENOENT.*\nGive the stack's config file with --config-file FILE/,
    ],
    [
      ["--outputs", join(dir, "mixed.json")],
      /XPROTECT_CERTS_NOW="tomorrow" is not an ISO 8601 time/,
      { XPROTECT_CERTS_NOW: "tomorrow" },
    ],
  ];
  for (const [args, message, env] of cases) {
    const r = await run(args, env);
    expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 2, out: "" });
    expect(r.err).toMatch(/^renewals: /);
    expect(r.err).toMatch(message);
  }
});

test("one default stack everywhere: without --stack, renewals reads and edits the stack npm run up uses", () => {
  expect(parseArgs([]).stack).toBe("example");
  expect(parseArgs(["--apply"]).stack).toBe("example");
  expect(parseArgs(["--outputs", "o.json", "--apply"]).stack).toBe("example");
  expect(parseArgs(["--outputs", "o.json"]).stack).toBeUndefined(); // nothing to read from a stack
  expect(parseArgs(["--outputs", "o.json", "--apply", "--config-file", "s.yaml"]).stack).toBeUndefined();
  expect(parseArgs(["--stack", "site"]).stack).toBe("site");
});

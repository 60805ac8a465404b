/**
 * Entry point of `npm run bundle`: per-server bundles (only that server's key, password and manifest), the enable
 * order, and the client trust kit, from a stack's outputs read with the same backend and passphrase as
 * `npm run up`. Exit codes: 0 written, 2 error (each message names the problem and the fix; nothing is written).
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BundleArgs, parseArgs, USAGE } from "./args";
import { parseBundleOutputs, selectServers } from "./manifest";
import { DIR_MODE, planBundle } from "./plan";
import { outFolderProblem, serverNameProblems, writePlan } from "./write";
import { bundleFolders } from "./cluster";
import type { Project } from "../engine/project";
import { REQUESTS_DIR, requestFiles } from "./requests";

export const EXIT_OK = 0;
export const EXIT_ERROR = 2;

/** The client kit's script, copied into DIR/clients/. */
export const CLIENT_SCRIPT = "Install-XProtectRootCertificates.ps1";

/** The nearest existing folder at or above `p`. */
function existingAncestor(p: string): string {
  let dir = p;
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  return fs.statSync(dir).isDirectory() ? dir : path.dirname(dir);
}

/**
 * Why `out` may not receive private keys, or undefined when it may: a folder inside a git work tree must be
 * ignored by git (`git check-ignore`), so that no key or password can be committed by accident.
 */
export function outRefusal(out: string, projectRoot: string): string | undefined {
  const from = existingAncestor(out);
  let top: string;
  try {
    top = execFileSync("git", ["-C", from, "rev-parse", "--show-toplevel"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      const rel = path.relative(projectRoot, out);
      return rel.startsWith("..") || path.isAbsolute(rel)
        ? undefined
        : `--out ${out} is inside this repository and git is not installed to check that it is ignored: ` +
            "write the bundle outside the repository";
    }
    return undefined; // not in a git work tree
  }
  const rel = path.relative(fs.realpathSync(top), path.join(fs.realpathSync(from), path.relative(from, out)));
  const fix =
    "write it outside the repository, or to a folder git ignores (this repository ignores bundle/ and bundles/)";
  if (rel === "") return `--out ${out} is the root of the git repository ${top}: ${fix}`;
  try {
    execFileSync("git", ["-C", top, "check-ignore", "-q", "--", rel.split(path.sep).join("/") + "/"], {
      stdio: "ignore",
    });
    return undefined;
  } catch {
    return `--out ${out} is inside the git repository ${top} and git does not ignore it: the bundle holds private keys; ${fix}`;
  }
}

/** `pulumi stack output --json --show-secrets` of `stack`, with the project's backend and passphrase. */
async function readStackOutputs(stack: string, project: Project): Promise<string> {
  const { cli, env } = await project.cliEnv();
  const args = ["stack", "output", "--json", "--show-secrets", "--non-interactive", "--stack", stack];
  return new Promise((resolve, reject) =>
    execFile(cli.path, args, { cwd: project.workDir, env, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const said = (stderr || err.message).trim().replace(/^error: /i, "");
      reject(
        new Error(
          `reading the outputs of stack "${stack}" failed: ${said}\n` +
            `Check the stack name (${project.pulumi} stack ls), PULUMI_BACKEND_URL and the passphrase ` +
            "(PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE).",
        ),
      );
    }),
  );
}

/**
 * Runs the command; returns the exit code. `project`: where the stack is read (default: this repository's
 * project, as `npm run bundle`; the package's bin gives the user's project).
 */
export async function main(
  argv: string[],
  io = { out: process.stdout, err: process.stderr },
  project?: Project,
): Promise<number> {
  let args: BundleArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    io.err.write(`bundle: ${(e as Error).message}\n`);
    return EXIT_ERROR;
  }
  if (args.help) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  try {
    const at = project ?? (await (await import("../engine/project")).repositoryProject());
    const out = path.resolve(args.out as string);
    const refused = outRefusal(out, at.root) ?? outFolderProblem(out);
    if (refused) throw new Error(refused);

    const text = await readStackOutputs(args.stack, at);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(
        `the outputs of stack "${args.stack}" are not JSON: check the Pulumi CLI (npm run ensure-cli)`,
      );
    }
    const parsed = parseBundleOutputs(json, `stack "${args.stack}"`);
    if (!parsed.ok) throw new Error(`stack "${args.stack}":\n  ${parsed.problems.join("\n  ")}`);
    const badNames = serverNameProblems(Object.keys(parsed.value.servers));
    if (badNames.length) {
      throw new Error(
        `stack "${args.stack}" has server names that cannot be folder names of a bundle (nothing is written; ` +
          `fix the site config and run npm run up):\n  ${badNames.join("\n  ")}`,
      );
    }
    const selected = selectServers(parsed.value, args, args.stack);
    if (!selected.ok) throw new Error(selected.problems.join("\n"));
    const clientScript = args.clients
      ? {
          name: CLIENT_SCRIPT,
          // This repository's, or the installed package's (package.json `files`).
          content: fs.readFileSync(
            path.join((await import("../engine/workspace")).repoRoot(), "scripts", "clients", CLIENT_SCRIPT),
            "utf8",
          ),
        }
      : undefined;
    const plan = planBundle({
      outputs: parsed.value,
      stack: args.stack,
      servers: selected.value,
      clientScript,
    });
    if (args.requests) {
      const files = requestFiles(parsed.value.pending ?? []);
      if (files.length) plan.dirs.push({ path: REQUESTS_DIR, mode: DIR_MODE });
      plan.files.push(...files);
    }
    writePlan(out, plan);

    // A clustered management server has a folder per node (scripts/bundle/cluster.ts).
    const folders = bundleFolders(parsed.value, selected.value);
    for (const f of folders) {
      const node = f.folder === f.server ? "" : `, node ${f.hostname}`;
      io.out.write(
        `${path.join(out, f.folder)}${path.sep}  ${f.server} (${parsed.value.servers[f.server].role}${node})\n`,
      );
    }
    if (selected.value.length)
      io.out.write(
        `${path.join(out, "order.txt")}  enable order: ${folders.map((f) => f.folder).join(", ")}\n`,
      );
    if (clientScript) {
      io.out.write(
        `${path.join(out, "clients")}${path.sep}  ${parsed.value.trustedCas.length} root(s) for clients, and ${CLIENT_SCRIPT}\n`,
      );
    }
    if (args.requests) {
      const pending = parsed.value.pending ?? [];
      io.out.write(
        pending.length
          ? `${path.join(out, REQUESTS_DIR)}${path.sep}  ${pending.length} request(s) for the enterprise CA ` +
              `(${pending.map((p) => p.server).join(", ")}), and certreq.txt\n`
          : "No request waits for an enterprise CA (no server with issuer: external has one pending).\n",
      );
    }
    if (selected.value.length) {
      io.out.write(
        "Each server folder holds that server's private key and password: copy it to that server only, run\n" +
          "Install-XProtectCertificate.ps1 -Bundle <folder> there, then delete the folder (here and there).\n",
      );
    }
    return EXIT_OK;
  } catch (e) {
    io.err.write(`bundle: ${(e as Error).message}\n`);
    return EXIT_ERROR;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`bundle: ${(e as Error).stack ?? e}\n`);
      process.exit(EXIT_ERROR);
    },
  );
}

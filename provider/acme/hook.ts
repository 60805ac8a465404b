/**
 * The DNS-01 hook: `<command...> present|cleanup <fqdn.> <value>`, lego's `exec` provider's arguments, run in the
 * project folder (where Pulumi.yaml is: the program says which, the provider's own working folder may differ), a
 * relative command path resolved there. And the optional check that a resolver sees the TXT record before the CA is asked.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { Resolver } from "node:dns/promises";
import * as path from "node:path";

/** The executable a command's first word names: relative paths (with a slash) from the project folder. */
export const hookPath = (command: string[], dir: string): string =>
  command[0].includes("/") || command[0].includes("\\") ? path.resolve(dir, command[0]) : command[0];

/** Why the hook cannot run (missing, not a file, not executable), or undefined. Bare names are looked up on PATH. */
export function hookProblem(command: string[], dir: string): string | undefined {
  const exe = hookPath(command, dir);
  const candidates =
    exe === command[0]
      ? (process.env.PATH ?? "")
          .split(path.delimiter)
          .filter(Boolean)
          .map((d) => path.join(d, exe))
      : [exe];
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, constants.X_OK);
      return undefined;
    } catch {
      // next candidate
    }
  }
  const found = candidates.find((c) => {
    try {
      return statSync(c).isFile();
    } catch {
      return false;
    }
  });
  if (found) return `${found} is not executable: chmod +x ${command[0]}`;
  return exe === command[0]
    ? `"${exe}" is not on PATH: give its path (relative to the project folder ${dir})`
    : `${exe} does not exist: give the hook's path relative to the project folder ${dir}`;
}

const HOOK_TIMEOUT_MS = 5 * 60_000;

/** Runs the hook; throws naming the command, the action, the name and the hook's own output when it fails. */
export async function runHook(
  dir: string,
  command: string[],
  action: "present" | "cleanup",
  fqdn: string,
  value: string,
): Promise<void> {
  const exe = hookPath(command, dir);
  const args = [...command.slice(1), action, fqdn, value];
  let output = "";
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn(exe, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), HOOK_TIMEOUT_MS);
    const keep = (b: Buffer) => (output = (output + b.toString()).slice(-2000));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve(e.message);
    });
    child.on("close", (c, signal) => {
      clearTimeout(timer);
      resolve(c ?? `killed by ${signal}`);
    });
  });
  if (code !== 0) {
    throw new Error(
      `the dns01 hook "${command.join(" ")} ${action} ${fqdn}" failed (${typeof code === "number" ? `exit ${code}` : code})` +
        (output.trim() ? `: ${output.trim()}` : ""),
    );
  }
}

/** Waits until every resolver answers the TXT record with `value` (each resolver: host or host:port). */
export async function waitForTxt(
  resolvers: string[],
  fqdn: string,
  value: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const server of resolvers) {
    const r = new Resolver({ timeout: 2000, tries: 1 });
    r.setServers([server]);
    for (;;) {
      const seen = await r.resolveTxt(fqdn.replace(/\.$/, "")).then(
        (records) => records.some((chunks) => chunks.join("") === value),
        () => false,
      );
      if (seen) break;
      if (Date.now() > deadline) {
        throw new Error(
          `the TXT record ${fqdn} was not visible at the resolver ${server} within ${timeoutMs / 1000} s after the ` +
            `hook's present: check that the hook updates the zone those resolvers answer for`,
        );
      }
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
}

/** OpenSSL as the independent implementation our certificates are checked with. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface OpenSslResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `openssl args...`; files maps names to contents written into a temp dir that is the cwd. */
export function openssl(args: string[], files: Record<string, string | Buffer> = {}): OpenSslResult {
  const dir = mkdtempSync(join(tmpdir(), "xpc-openssl-"));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const opensslVersion = (): string => execFileSync("openssl", ["version"], { encoding: "utf8" }).trim();

/**
 * A real TLS handshake between OpenSSL's s_server (serving a PFX) and s_client (trusting given roots), at a
 * given time (`-attime`): the certificates of a test that moves the clock are not valid yet by the machine's.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });

/** Whether a client trusting only `rootsPem` completes a verified handshake with `servername` at `at`. */
export async function handshakeAt(p: {
  pfxBase64: string;
  password: string;
  rootsPem: string[];
  servername: string;
  at: Date;
  /** Send the PFX's other certificates (its intermediates) after the leaf, as a server with a chain does. */
  sendChain?: boolean;
}): Promise<{ ok: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), "xpc-tls-"));
  try {
    writeFileSync(join(dir, "s.pfx"), Buffer.from(p.pfxBase64, "base64"));
    writeFileSync(join(dir, "pw"), p.password);
    writeFileSync(join(dir, "roots.pem"), p.rootsPem.join("\n"));
    const pem = spawnSync(
      "openssl",
      ["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nodes", "-out", "server.pem"],
      {
        cwd: dir,
        encoding: "utf8",
      },
    );
    if (pem.status !== 0) return { ok: false, output: pem.stderr };
    const chainArgs: string[] = [];
    if (p.sendChain) {
      const chain = spawnSync(
        "openssl",
        ["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nokeys", "-cacerts", "-out", "chain.pem"],
        { cwd: dir, encoding: "utf8" },
      );
      if (chain.status !== 0) return { ok: false, output: chain.stderr };
      chainArgs.push("-cert_chain", "chain.pem");
    }
    const port = await freePort();
    const server = spawn(
      "openssl",
      [
        "s_server",
        "-accept",
        `127.0.0.1:${port}`,
        "-cert",
        "server.pem",
        "-key",
        "server.pem",
        ...chainArgs,
        "-naccept",
        "1",
        "-quiet",
      ],
      { cwd: dir, stdio: ["pipe", "pipe", "pipe"] },
    );
    try {
      const attime = String(Math.floor(p.at.getTime() / 1000));
      for (let i = 0; i < 50; i++) {
        const client = spawnSync(
          "openssl",
          [
            "s_client",
            "-connect",
            `127.0.0.1:${port}`,
            "-servername",
            p.servername,
            "-verify_hostname",
            p.servername,
            "-CAfile",
            "roots.pem",
            "-verify_return_error",
            "-attime",
            attime,
            "-brief",
          ],
          { cwd: dir, encoding: "utf8", input: "", timeout: 10_000 },
        );
        const output = `${client.stdout}${client.stderr}`;
        if (/Connection refused|connect:errno/i.test(output)) {
          await new Promise((r) => setTimeout(r, 100)); // s_server not listening yet
          continue;
        }
        return { ok: client.status === 0 && /Verification: OK/.test(output), output };
      }
      return { ok: false, output: "s_server never listened" };
    } finally {
      server.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

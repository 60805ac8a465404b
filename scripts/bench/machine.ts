/** The machine a run measured: the README's figures are only meaningful with it. */
import { readFileSync } from "node:fs";
import * as os from "node:os";

export interface Machine {
  /** Cores Node may use (os.availableParallelism). */
  cores: number;
  /** "model name" of /proc/cpuinfo (else what os.cpus() says). */
  cpuModel: string;
  node: string;
  /** libuv's thread pool size: key generation runs there (4 unless UV_THREADPOOL_SIZE says otherwise). */
  uvThreadpoolSize: string;
}

export function describeMachine(): Machine {
  const pool = process.env.UV_THREADPOOL_SIZE;
  return {
    cores: os.availableParallelism(),
    cpuModel: cpuModel(),
    node: process.version,
    uvThreadpoolSize: pool ? pool : "4 (default)",
  };
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.split(":").slice(1).join(":").trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? "unknown";
}

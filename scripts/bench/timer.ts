/** Wall-clock timing and progress lines (on stderr, so that stdout stays the table and the JSON). */
import { performance } from "node:perf_hooks";

/** Runs fn and returns its result with the milliseconds it took. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

/** A progress line: `bench: <message>`. */
export type Progress = (message: string) => void;

export const stderrProgress: Progress = (message) => void process.stderr.write(`bench: ${message}\n`);

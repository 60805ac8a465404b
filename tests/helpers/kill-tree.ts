/** Killing a process tree the hard way (SIGKILL), as a crash or an out-of-memory kill would. Linux (/proc). */
import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** Pids of `root` and all its descendants, with their process groups (from /proc). */
export function processTree(root: number): Array<{ pid: number; pgid: number }> {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        const [, ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return [{ pid: Number(d), ppid: Number(ppid), pgid: Number(pgid) }];
      } catch {
        return []; // gone meanwhile
      }
    });
  const tree = all.filter((p) => p.pid === root);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i].pid));
  return tree.map(({ pid, pgid }) => ({ pid, pgid }));
}

export const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));

/**
 * SIGKILL for the CLI, the Pulumi engine and the provider plugin. The plugin runs in a process group of its own
 * (the engine starts it so), so each group in the tree is killed, and each process.
 */
export async function killTree(child: ChildProcess): Promise<number[]> {
  const tree = processTree(child.pid!);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  for (const pgid of new Set(tree.map((p) => p.pgid))) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // the group is gone already
    }
  }
  for (const { pid } of tree) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  await exited;
  for (let i = 0; i < 100 && tree.some((p) => alive(p.pid)); i++)
    await new Promise((r) => setTimeout(r, 100));
  return tree.map((p) => p.pid);
}

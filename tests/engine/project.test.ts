/**
 * Where the package's command (`npx xprotect-certs bundle|renewals`) reads a stack: the user's own project (the
 * nearest Pulumi.yaml at or above the current folder) with the backend and passphrase the user's `pulumi` uses;
 * nothing defaulted to this repository's state folder or passphrase file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { repositoryProject, userProject } from "../../scripts/engine/project";
import { repoRoot } from "../../scripts/engine/workspace";
import { main } from "../../scripts/bin/xprotect-certs";

let base: string;
beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), "xprotect-project-"));
  mkdirSync(path.join(base, "project/ops/deeper"), { recursive: true });
  writeFileSync(path.join(base, "project/Pulumi.yaml"), "name: p\nruntime: nodejs\n");
  mkdirSync(path.join(base, "elsewhere"));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

test("the nearest Pulumi.yaml at or above the folder is the project", () => {
  expect(userProject(path.join(base, "project/ops/deeper"), {}).workDir).toBe(path.join(base, "project"));
  expect(userProject(path.join(base, "project"), {}).workDir).toBe(path.join(base, "project"));
  expect(userProject(base, { XPROTECT_CERTS_WORKDIR: "/somewhere" }).workDir).toBe("/somewhere");
});

test("no Pulumi.yaml above: an error naming the folder and the fix", () => {
  expect(() => userProject(path.join(base, "elsewhere"), {})).toThrow(
    new RegExp(
      `no Pulumi.yaml in ${path.join(base, "elsewhere")} or any folder above it: run this in your Pulumi project`,
    ),
  );
});

test("the user's environment as it is: no backend or passphrase defaulted, the CLI's folder on PATH", async () => {
  const given = { PATH: process.env.PATH, HOME: process.env.HOME, PULUMI_CONFIG_PASSPHRASE: "theirs" };
  const { cli, env } = await userProject(path.join(base, "project"), given).cliEnv();
  expect(env.PULUMI_BACKEND_URL).toBeUndefined();
  expect(env.PULUMI_CONFIG_PASSPHRASE_FILE).toBeUndefined();
  expect(env.PULUMI_CONFIG_PASSPHRASE).toBe("theirs");
  expect(env.PATH!.split(path.delimiter)[0]).toBe(path.dirname(cli.path));
  // This repository's commands keep reading this repository's project.
  expect((await repositoryProject({})).workDir).toBe(repoRoot());
});

test("the bin: an unknown command, and a command outside any project, exit 2 with the fix", async () => {
  const err = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    expect(await main(["bundel"], base)).toBe(2);
    expect(String(err.mock.calls[0][0])).toMatch(/unknown command "bundel": use bundle or renewals/);
    const saved = process.env.XPROTECT_CERTS_WORKDIR;
    delete process.env.XPROTECT_CERTS_WORKDIR;
    try {
      expect(await main(["renewals", "--stack", "dev"], path.join(base, "elsewhere"))).toBe(2);
    } finally {
      if (saved !== undefined) process.env.XPROTECT_CERTS_WORKDIR = saved;
    }
    expect(String(err.mock.calls[1][0])).toMatch(/^renewals: no Pulumi.yaml in .*elsewhere/);
  } finally {
    err.mockRestore();
  }
});

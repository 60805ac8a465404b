/**
 * The real engine (Automation API, inline programs, a throw-away file backend): the engine's own cost on N
 * do-nothing dynamic resources, then the site program's create, no-op, and one-server change, and the size of
 * the state it leaves.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { siteProgram } from "../../stacks";
import { openStack } from "../engine/workspace";
import { KEYLOG_VARIABLE, keysLogged } from "./keylog";
import { floorProgram } from "./noop-resource";
import { BenchServer, siteConfigOf, withOneServerRenamed } from "./site-spec";
import { measureState, StateBytes } from "./state-size";
import { Progress, timed } from "./timer";
import { prepareEngineFolders } from "./workdir";

const runFile = promisify(execFile);

export interface EngineFigures {
  /** `up` creating N do-nothing resources. */
  engineFloorCreateMs: number;
  /** `up` of the same, unchanged. */
  engineFloorNoopMs: number;
  /** `up` creating as many do-nothing resources as the site has (2N + 1: CA, certificates, bindings). */
  engineFloorSameCountCreateMs: number;
  /** `up` of those, unchanged. */
  engineFloorSameCountNoopMs: number;
  /** `up` of the site program creating the CA, N certificates and N bindings. */
  upCreateMs: number;
  /** Keys made by that up (N + 1 expected). */
  upCreateKeys: number;
  /** `up` of the unchanged site. */
  upNoopMs: number;
  /** Keys made by that up (target 0). */
  upNoopKeys: number;
  /** Resources the no-op up reported other than "same" (0 expected). */
  upNoopChanged: number;
  /** `up` after one server's DNS names changed. */
  upChangeOneMs: number;
  /** Resources it updated (target 2: the certificate and its binding). */
  upChangeOneUpdated: number;
  stateBytes: StateBytes;
  /** The CLI's version. */
  pulumiVersion: string;
}

export interface EngineBenchRequest {
  servers: BenchServer[];
  /** An empty folder for the backend, the work folder and the key log. */
  baseDir: string;
  progress: Progress;
}

type Summary = Record<string, number>;

export async function measureEngine(req: EngineBenchRequest): Promise<EngineFigures> {
  const { workDir, backendUrl } = prepareEngineFolders(req.baseDir);
  const keylog = join(req.baseDir, "engine-keys.log");
  const env = {
    PULUMI_CONFIG_PASSPHRASE: randomBytes(24).toString("base64url"),
    [KEYLOG_VARIABLE]: keylog,
  };
  const open = (stackName: string, program: () => Promise<Record<string, unknown>>) =>
    openStack({ stackName, program, workDir, backendUrl, env, log: req.progress });
  const n = req.servers.length;
  const up = async (stack: Stack, what: string) => {
    req.progress(`engine: ${what}...`);
    const { ms, result } = await timed(() => stack.up({ color: "never" }));
    const summary = (result.summary.resourceChanges ?? {}) as Summary;
    req.progress(`engine: ${what}: ${(ms / 1000).toFixed(1)} s ${JSON.stringify(summary)}`);
    return { ms, summary };
  };

  // Untimed: the first operation of a process pays one-time costs (the CLI and plugin binaries read from disk,
  // the language server started) that neither the floor nor the site should carry.
  const warmup = await open("warmup", floorProgram(["noop-warmup"]));
  await up(warmup, "warm-up: up creating 1 do-nothing resource (untimed)");

  const floor = await open("floor", floorProgram(req.servers.map((s) => `noop-${s.name}`)));
  const floorCreate = await up(floor, `floor: up creating ${n} do-nothing resources`);
  const floorNoop = await up(floor, `floor: up of the same, unchanged`);
  const sameCountNames = [
    "noop-ca",
    ...req.servers.flatMap((s) => [`noop-${s.name}`, `noop-${s.name}-binding`]),
  ];
  const floor2 = await open("floor2", floorProgram(sameCountNames));
  const floor2Create = await up(floor2, `floor: up creating ${sameCountNames.length} do-nothing resources`);
  const floor2Noop = await up(floor2, `floor: up of the same, unchanged`);

  const site = await open("site", siteProgram);
  const setSite = (servers: BenchServer[]) =>
    site.setAllConfig({ "xprotect-certs:site": { value: JSON.stringify(siteConfigOf(servers)) } });
  await setSite(req.servers);
  const keys0 = keysLogged(keylog);
  const create = await up(site, `site: up creating the CA, ${n} certificates and ${n} bindings`);
  const keys1 = keysLogged(keylog);
  const noop = await up(site, "site: up of the same, unchanged");
  const keys2 = keysLogged(keylog);

  req.progress("engine: site: pulumi stack export");
  const stateBytes = measureState(await exportState(site, workDir));

  await setSite(withOneServerRenamed(req.servers));
  const changeOne = await up(site, "site: up after one server's DNS names changed");

  return {
    engineFloorCreateMs: floorCreate.ms,
    engineFloorNoopMs: floorNoop.ms,
    engineFloorSameCountCreateMs: floor2Create.ms,
    engineFloorSameCountNoopMs: floor2Noop.ms,
    upCreateMs: create.ms,
    upCreateKeys: keys1 - keys0,
    upNoopMs: noop.ms,
    upNoopKeys: keys2 - keys1,
    upNoopChanged: Object.entries(noop.summary)
      .filter(([op]) => op !== "same")
      .reduce((sum, [, count]) => sum + count, 0),
    upChangeOneMs: changeOne.ms,
    upChangeOneUpdated: changeOne.summary.update ?? 0,
    stateBytes,
    pulumiVersion: site.workspace.pulumiVersion,
  };
}

/** `pulumi stack export` as stored (secrets stay ciphertext): the JSON text. */
async function exportState(stack: Stack, workDir: string): Promise<string> {
  const { stdout } = await runFile(
    stack.workspace.pulumiCommand.command,
    ["stack", "export", "--stack", stack.name],
    {
      cwd: workDir,
      env: { ...process.env, ...stack.workspace.envVars },
      maxBuffer: 1 << 30,
      encoding: "utf8",
    },
  );
  return stdout;
}

/**
 * The real engine (Automation API, inline programs, a throw-away file backend): the engine's own cost on N
 * do-nothing dynamic resources, then the site program's create, no-op, and one-server change, and the size of
 * the state it leaves.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import * as YAML from "yaml";
import { siteProgram } from "../../stacks";
import { openStack, PROJECT_NAME, repoRoot } from "../engine/workspace";
import {
  BenchServer,
  KEYLOG_VARIABLE,
  keysLogged,
  Progress,
  siteConfigOf,
  timed,
  withOneServerRenamed,
} from "./issuance";

/*
 * A throw-away engine folder laid out like the repository root: Pulumi.yaml with the project's name and `main`
 * (the engine starts the dynamic-provider process in main's folder, dist/stacks), and links to the repo's
 * node_modules and dist, so that serialized providers find their compiled modules as under `npm run up`.
 * The stack config files land here, not in the repo's stacks/.
 */
export interface EngineFolders {
  /** Where the engine runs (cwd, Pulumi.yaml). */
  workDir: string;
  /** The file backend's URL (a folder beside workDir). */
  backendUrl: string;
}

/** Creates `<base>/work` and `<base>/state`; base must exist. */
export function prepareEngineFolders(base: string): EngineFolders {
  const root = repoRoot();
  const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { main?: string };
  const main = project.main ?? "dist/stacks/main.js";
  if (!fs.existsSync(path.join(root, main))) {
    throw new Error(`${main} (Pulumi.yaml main) does not exist: run \`npm run build\` (npm run bench does)`);
  }
  const workDir = path.join(base, "work");
  const stateDir = path.join(base, "state");
  fs.mkdirSync(workDir, { recursive: true });
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(
    path.join(workDir, "Pulumi.yaml"),
    YAML.stringify({ name: PROJECT_NAME, runtime: "nodejs", main }),
  );
  for (const dir of ["node_modules", "dist"]) {
    fs.symlinkSync(path.join(root, dir), path.join(workDir, dir), "junction");
  }
  return { workDir, backendUrl: pathToFileURL(stateDir).href };
}

/*
 * The engine floor's resource: a dynamic resource whose provider does nothing. Its `__provider` module is
 * written like ours (provider/dynamic.ts): it finds dist/ above the provider process's folder and requires the
 * compiled noop-provider.js there, so that it weighs in the state what ours does.
 */
const NOOP_MODULE = "dist/scripts/bench/noop-provider.js";

/** The module text, shaped and sized like provider/dynamic.ts's providerModule. */
export const noopProviderModule =
  `exports.handler=function(){var p=require("path"),f=require("fs"),d=process.cwd(),m;` +
  `for(;d!==p.dirname(d);d=p.dirname(d))if(f.existsSync(m=p.join(d,${JSON.stringify(NOOP_MODULE)})))` +
  `return require(m).noopProvider;throw new Error("${NOOP_MODULE} not found above "+process.cwd())};`;

export class NoopResource extends pulumi.CustomResource {
  public readonly value!: pulumi.Output<number>;

  constructor(name: string, value: number) {
    super("pulumi-nodejs:dynamic/xprotect-certs:BenchNoop", name, {
      value,
      __provider: noopProviderModule,
    });
  }
}

/** The floor's program: one do-nothing resource per server. */
export const floorProgram = (names: string[]) => async (): Promise<Record<string, unknown>> => {
  names.forEach((name, i) => new NoopResource(name, i));
  return {};
};

/*
 * Where the state's bytes go, from the text of `pulumi stack export`: the whole, one resource of each kind (the
 * mean over the kind, as it stands in the export), and the serialized provider each dynamic resource stores.
 */
export interface StateBytes {
  /** The export, in bytes (UTF-8). */
  total: number;
  /** Mean bytes of one ServerCertificate resource (URN, inputs, outputs, bookkeeping). */
  perServerCertificate: number;
  /** Mean bytes of one CertificateBinding resource. */
  perBinding: number;
  /** Bytes of the CaCertificate resource. */
  ca: number;
  /** Bytes of the stack resource (the program's outputs). */
  stackResource: number;
  /** Bytes of one `__provider` string (a ServerCertificate's; each resource stores it in inputs and outputs). */
  providerClosure: number;
  /** Certificates in the state. */
  certificates: number;
}

interface ExportedResource {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** The export's indentation (4 spaces) and a resource's depth in it (deployment.resources[i]). */
const INDENT = 4;
const RESOURCE_DEPTH = 3;

/** Bytes of a resource as it stands in the export: its pretty-printed JSON at its depth, with its comma. */
const bytesInExport = (r: ExportedResource): number => {
  const text = JSON.stringify(r, null, INDENT).replace(/\n/g, "\n" + " ".repeat(INDENT * RESOURCE_DEPTH));
  return Buffer.byteLength(text) + INDENT * RESOURCE_DEPTH + 2;
};

const mean = (xs: number[]): number =>
  xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0;

const ofType = (resources: ExportedResource[], suffix: string) =>
  resources.filter((r) => r.type === suffix || r.type.endsWith(`:${suffix}`));

export function measureState(exportText: string): StateBytes {
  const resources =
    (JSON.parse(exportText) as { deployment: { resources?: ExportedResource[] } }).deployment.resources ?? [];
  const certificates = ofType(resources, "ServerCertificate");
  const provider = certificates[0]?.inputs?.__provider;
  return {
    total: Buffer.byteLength(exportText),
    perServerCertificate: mean(certificates.map(bytesInExport)),
    perBinding: mean(ofType(resources, "CertificateBinding").map(bytesInExport)),
    ca: mean(ofType(resources, "CaCertificate").map(bytesInExport)),
    stackResource: mean(ofType(resources, "pulumi:pulumi:Stack").map(bytesInExport)),
    providerClosure: typeof provider === "string" ? Buffer.byteLength(provider) : 0,
    certificates: certificates.length,
  };
}

/*
 * The real engine (Automation API, inline programs, a throw-away file backend): the engine's own cost on N
 * do-nothing dynamic resources, then the site program's create, no-op, and one-server change, and the size of
 * the state it leaves.
 */
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

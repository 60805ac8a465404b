/**
 * Proves the engine tooling on the real Pulumi engine: CLI located or built, inline program, dynamic provider
 * plugin, file backend, passphrase secrets. Fails (never skips) when the CLI cannot be found or built.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { ensurePulumiCli, PulumiCli } from "../../scripts/engine/pulumi-binary";
import { tempSite, TempSite } from "./harness";

/** A secret *input*: only pulumi.secret() keeps it encrypted in the state (additionalSecretOutputs does not). */
const INPUT_SECRET = "input-secret-" + Math.random().toString(36).slice(2);

// The provider is serialized into the state: it must not capture any secret.
const trivialProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Record<string, unknown>) {
    const outs = { ...inputs };
    // Like a generated private key: the secret exists only as an output of the provider.
    if (inputs.generateSecret) outs.secretValue = "generated-" + Math.random().toString(36).slice(2);
    return { id: "x" + inputs.n, outs };
  },
};

class Trivial extends pulumi.dynamic.Resource {
  declare readonly secretValue: pulumi.Output<string | undefined>;
  constructor(
    name: string,
    props: Record<string, pulumi.Input<unknown>>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(trivialProvider, name, { secretValue: undefined, ...props }, opts);
  }
}

async function program(): Promise<Record<string, unknown>> {
  const a = new Trivial("a", { n: 1 });
  new Trivial("b", { n: 2 });
  const c = new Trivial(
    "c",
    { n: 3, generateSecret: true, password: pulumi.secret(INPUT_SECRET) },
    { additionalSecretOutputs: ["secretValue"] },
  );
  return { firstId: a.id, secretValue: c.secretValue };
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

/** Reports, on create and on refresh (read), the variable XPROTECT_ENGINE_TEST_MARK of the provider process. */
const envProbe: pulumi.dynamic.ResourceProvider = {
  async create() {
    return { id: "probe", outs: { mark: process.env.XPROTECT_ENGINE_TEST_MARK ?? "" } };
  },
  async read(id: string) {
    return { id, props: { mark: process.env.XPROTECT_ENGINE_TEST_MARK ?? "" } };
  },
};

class Probe extends pulumi.dynamic.Resource {
  declare readonly mark: pulumi.Output<string>;
  constructor(name: string) {
    super(envProbe, name, { mark: undefined });
  }
}

let cli: PulumiCli;
let site: TempSite | undefined;
let envSite: TempSite | undefined;
let failSite: TempSite | undefined;

beforeAll(async () => {
  // Builds the pinned CLI with Go when neither PATH nor the cache has one: minutes, once per machine.
  cli = await ensurePulumiCli({ log: (s) => process.stderr.write(s + "\n") });
}, 10 * 60_000);

afterAll(async () => {
  const sites = { "engine-test": site, "env-test": envSite, "fail-test": failSite };
  for (const [name, s] of Object.entries(sites)) {
    if (!s) continue;
    const steps = s.timings.map((t) => `${t.step} ${t.ms} ms`).join(", ");
    process.stderr.write(`${name} timings (CLI ${cli?.version} from ${cli?.source}): ${steps}\n`);
    await s.cleanup();
  }
});

test(
  "the tooling drives the real engine: create, no-op, secrets kept encrypted, destroy",
  async () => {
    site = await tempSite({ stackName: "engine-test", program });

    const first = await site.up();
    expect(first.changeSummary).toEqual({ create: 4 }); // 3 dynamic resources + the stack itself
    expect(first.outputs.firstId).toBe("x1");
    const generated = first.outputs.secretValue;
    expect(generated).toMatch(/^generated-/);

    const second = await site.up();
    expect(second.changeSummary).toEqual({ same: 4 });
    expect(await site.outputs()).toEqual(first.outputs);

    const stateText = JSON.stringify(await site.exportState());
    expect(stateText).toContain('"secretValue"');
    expect(stateText).toContain('"password"');
    for (const plaintext of [generated as string, INPUT_SECRET]) {
      expect(stateText).not.toContain(plaintext);
      for (const file of filesUnder(site.backendDir)) {
        const leaked = fs.readFileSync(file, "latin1").includes(plaintext);
        expect({ file, leaked }).toEqual({ file, leaked: false });
      }
    }

    const gone = await site.destroy();
    expect(gone.changeSummary).toEqual({ delete: 4 });
    expect((await site.exportState()).deployment.resources ?? []).toHaveLength(0);
  },
  5 * 60_000,
);

async function probeMark(site: TempSite): Promise<unknown> {
  const resources = (await site.exportState()).deployment.resources as Array<{
    urn: string;
    outputs?: Record<string, unknown>;
  }>;
  return resources.find((r) => r.urn.endsWith("::probe"))?.outputs?.mark;
}

test(
  "env given to tempSite/setEnv reaches the provider process of later operations",
  async () => {
    envSite = await tempSite({
      stackName: "env-test",
      env: { XPROTECT_ENGINE_TEST_MARK: "one" },
      program: async () => {
        const r = new Probe("probe");
        return { mark: r.mark };
      },
    });
    expect((await envSite.up()).outputs.mark).toBe("one");
    envSite.setEnv({ XPROTECT_ENGINE_TEST_MARK: "two" });
    // What read() returns is written to the state, yet the summary counts output-only drift as "same".
    expect((await envSite.refresh()).changeSummary).toEqual({ same: 2 });
    expect(await probeMark(envSite)).toBe("two");
    expect((await envSite.up()).outputs.mark).toBe("two");
    envSite.setEnv({ XPROTECT_ENGINE_TEST_MARK: undefined });
    await envSite.refresh();
    expect(await probeMark(envSite)).toBe("");
  },
  5 * 60_000,
);

test(
  "a failing program fails the operation with its message and leaves the state as it was",
  async () => {
    let fail = false;
    failSite = await tempSite({
      stackName: "fail-test",
      program: async () => {
        // Thrown before any resource is declared: the engine must not take that for "delete everything".
        if (fail) throw new Error("the site config is wrong");
        new Trivial("a", { n: 1 });
        return {};
      },
    });
    await failSite.up();
    const before = await failSite.exportState({ showSecrets: true });
    fail = true;
    await expect(failSite.preview()).rejects.toThrow(/the site config is wrong/);
    await expect(failSite.up()).rejects.toThrow(/the site config is wrong/);
    const after = await failSite.exportState({ showSecrets: true });
    expect(after.deployment.resources).toEqual(before.deployment.resources);
    expect(after.deployment.resources).toHaveLength(3); // the stack, the default provider, "a"
    expect(await failSite.cli(["stack", "ls", "--json"])).toContain('"fail-test"');
  },
  5 * 60_000,
);

/** The example GitHub workflow: valid YAML, and it only calls npm scripts that exist. */
import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";

const ROOT = join(__dirname, "../..");
const text = readFileSync(join(ROOT, ".github/workflows/renewals.yml"), "utf8");
const workflow = parse(text) as {
  on: Record<string, unknown>;
  jobs: Record<
    string,
    { if?: string; steps: Array<{ run?: string; uses?: string; if?: string; with?: Record<string, string> }> }
  >;
};
const scripts = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
).scripts;

test("parses, and every `npm run X` it calls is a script of package.json", () => {
  const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ""));
  const called = runs.flatMap((r) => [...r.matchAll(/npm run(?: --silent)? ([\w:-]+)/g)].map((m) => m[1]));
  expect(new Set(called)).toEqual(new Set(["renewals", "preview"]));
  for (const name of called) expect({ name, exists: name in scripts }).toEqual({ name, exists: true });
  expect(scripts.renewals).toBe("npm run build --silent && node dist/scripts/renewals/cli.js");
});

test("runs renewals on a schedule and opens a pull request on exit code 10; previews pull requests", () => {
  expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "schedule", "workflow_dispatch"]);
  const renewals = workflow.jobs.renewals;
  expect(renewals.if).toBe("github.event_name != 'pull_request'");
  const find = renewals.steps.find((s) => s.run?.includes("npm run --silent renewals"))!;
  expect(find.run).toMatch(/--apply/);
  expect(find.run).toMatch(/--pr-body "\$RUNNER_TEMP\/pr\.md"/);
  const pr = renewals.steps.find((s) => s.uses?.startsWith("peter-evans/create-pull-request@"))!;
  expect(pr.if).toBe("steps.renewals.outputs.code == '10'");
  expect(pr.with!["add-paths"]).toBe("stacks/Pulumi.${{ env.STACK }}.yaml");
  const preview = workflow.jobs.preview;
  expect(preview.if).toBe("github.event_name == 'pull_request'");
  expect(preview.steps.some((s) => /npm run preview -- --stack "\$STACK"/.test(s.run ?? ""))).toBe(true);
  expect(text).toMatch(/secrets\.PULUMI_BACKEND_URL/);
  expect(text).toMatch(/secrets\.PULUMI_CONFIG_PASSPHRASE/);
});

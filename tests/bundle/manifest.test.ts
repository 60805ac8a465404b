/** The bundle's pure parts, table-tested: the command line, outputs to manifests, the roots, the file plan. */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parseArgs } from "../../scripts/bundle/args";
import { outRefusal } from "../../scripts/bundle/cli";
import {
  parseBundleOutputs,
  selectServers,
  serverManifest,
  trustedCasOf,
  orderText,
} from "../../scripts/bundle/manifest";
import { planBundle } from "../../scripts/bundle/plan";
import { BUNDLE_OWN_NAMES } from "../../provider/contract";
import { ROLE_FACTS, Role, SLOT_GROUP_IDS } from "../../provider/xprotect/roles";
import { manifestProblems } from "../../scripts/bundle/validate";
import { readRepoFile } from "./powershell";

const der = (seed: string) => Buffer.from(`not a real certificate ${seed}`).toString("base64");
const tp = (derB64: string) =>
  createHash("sha1").update(Buffer.from(derB64, "base64")).digest("hex").toUpperCase();
const T = "2026-01-15T09:00:00.000Z";
const GROUP = "84430eb7-847c-422d-aa00-7915cd0d7a65";

function server(role: Role, seed: string, enableOrder = ROLE_FACTS[role].enableOrder) {
  const thumbprint = tp(der(seed));
  return {
    role,
    hostname: `${seed}.vms.example.local`,
    dnsNames: [`${seed}.vms.example.local`],
    ipAddresses: [],
    thumbprint,
    serialNumber: "0A1B",
    notBefore: T,
    notAfter: T,
    renewalDue: T,
    serviceName: "Milestone XProtect Recording Server",
    serviceAccount: "NT AUTHORITY\\NETWORK SERVICE",
    enableOrder,
    slots: [
      {
        slot: "server",
        groupId: GROUP,
        command: `ServerConfigurator.exe /quiet /enableencryption /certificategroup=${GROUP} /thumbprint=${thumbprint}`,
      },
    ],
  };
}

const CA = der("ca");
function outputs(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    contractVersion: 1,
    caCertificatePem: "-----BEGIN CERTIFICATE-----",
    caCertificateDer: CA,
    caThumbprint: tp(CA),
    caNotAfter: T,
    servers: {
      rec01: server("recordingServer", "rec01"),
      event01: server("eventServer", "event01"),
      mgmt01: server("managementServer", "mgmt01"),
    },
    pfx: { rec01: der("pfx-rec01"), event01: der("pfx-event01"), mgmt01: der("pfx-mgmt01") },
    pfxPasswords: { rec01: "pw-rec01", event01: "pw-event01", mgmt01: "pw-mgmt01" },
    ...extra,
  };
}
const parsed = () => {
  const p = parseBundleOutputs(outputs(), "test");
  if (!p.ok) throw new Error(p.problems.join("\n"));
  return p.value;
};

describe("parseArgs", () => {
  test.each([
    [["--all", "--out", "b"], { stack: "example", all: true, servers: [], clients: false, out: "b" }],
    [
      ["-s", "site", "--server", "rec01", "--server", "mgmt01", "--server", "rec01", "-o", "b"],
      { stack: "site", servers: ["rec01", "mgmt01"] },
    ],
    [["--clients", "--out=b"], { clients: true, all: false, servers: [] }],
    [["-h"], { help: true }],
  ])("%j", (argv, want) => expect(parseArgs(argv as string[])).toMatchObject(want));

  test.each([
    [["--out", "b"], /nothing to bundle/],
    [["--all"], /--out DIR is required/],
    [["--all", "--server", "x", "--out", "b"], /exclude each other/],
    [["--all", "--out", "b", "--bogus"], /bogus.*--help/],
    [["--all", "--out", "b", "--stack", "a b"], /--stack "a b" is not a stack name/],
    [["--all", "--out", "b", "extra"], /extra.*--help/],
  ])("%j is refused", (argv, message) => expect(() => parseArgs(argv as string[])).toThrow(message));
});

describe("trustedCasOf: the roots to trust, from both shapes of the outputs", () => {
  const next = der("next-root");
  test.each([
    ["contract v1 (one CA)", outputs(), [{ thumbprint: tp(CA), status: "active" }]],
    [
      "trustedCaCertificates (root rotation)",
      outputs({
        trustedCaCertificates: [
          { thumbprint: tp(CA), notAfter: T, certificatePem: "x", certificateDer: CA, status: "active" },
          { thumbprint: tp(next), notAfter: T, certificatePem: "x", certificateDer: next, status: "next" },
        ],
      }),
      [
        { thumbprint: tp(CA), status: "active" },
        { thumbprint: tp(next), status: "next" },
      ],
    ],
  ])("%s", (_what, o, want) => {
    const r = trustedCasOf(o);
    expect(r.ok && r.value.map(({ thumbprint, status }) => ({ thumbprint, status }))).toEqual(want);
    if (r.ok) for (const c of r.value) expect(c.file).toBe(`ca-${c.thumbprint}.cer`);
  });

  test.each([
    [
      "a thumbprint that is not the DER's SHA-1",
      outputs({ caThumbprint: tp(next) }),
      /is not the SHA-1 of its certificate/,
    ],
    [
      "an empty list",
      outputs({ trustedCaCertificates: [] }),
      /trustedCaCertificates: \[\] is not a non-empty list/,
    ],
    [
      "an unknown status",
      outputs({
        trustedCaCertificates: [{ thumbprint: tp(CA), notAfter: T, certificateDer: CA, status: "old" }],
      }),
      /trustedCaCertificates\[0\]: status "old" is not one of active, next, previous/,
    ],
    ["DER that is not base64", outputs({ caCertificateDer: "%%%" }), /not base64/],
  ])("%s is refused", (_what, o, message) => {
    const r = trustedCasOf(o);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join("\n")).toMatch(message);
  });
});

describe("parseBundleOutputs", () => {
  test.each([
    ["no outputs (a stack never up)", {}, /has no outputs: run npm run up/],
    ["another contract version", outputs({ contractVersion: 2 }), /contractVersion: 2 is not 1/],
    [
      "hidden secrets",
      outputs({ pfx: "[secret]", pfxPasswords: "[secret]" }),
      /pfx: the secrets are hidden.*--show-secrets/,
    ],
    [
      "a server without PFX",
      outputs({ pfx: { rec01: der("x"), event01: der("y") } }),
      /pfx\.mgmt01: the PFX \(base64\) is missing/,
    ],
    [
      "a server without password",
      outputs({ pfxPasswords: { rec01: "a", event01: "b", mgmt01: "" } }),
      /pfxPasswords\.mgmt01: the PFX password is missing/,
    ],
    [
      "a server without enableOrder",
      outputs({
        servers: {
          ...(outputs().servers as object),
          rec01: { ...server("recordingServer", "rec01"), enableOrder: undefined },
        },
      }),
      /servers\.rec01\.enableOrder: undefined is not an integer/,
    ],
  ])("%s is refused with the field named", (_what, o, message) => {
    const r = parseBundleOutputs(o, 'stack "t"');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join("\n")).toMatch(message);
  });

  test("an unknown server is refused with the stack's servers listed", () => {
    const r = selectServers(parsed(), { all: false, servers: ["rec01", "rec99"] }, "site");
    expect(r).toEqual({
      ok: false,
      problems: ['--server rec99: stack "site" has no server "rec99"; its servers: event01, mgmt01, rec01'],
    });
  });

  test("servers come in the vendor guide's enable order: management server, recorders, then event server", () => {
    const r = selectServers(parsed(), { all: true, servers: [] }, "site");
    expect(r).toEqual({ ok: true, value: ["mgmt01", "rec01", "event01"] });
    expect(orderText(["mgmt01", "event01"])).toBe("mgmt01\nevent01\n");
  });

  test("every role's enableOrder: management server first, then (failover) recording servers, then every other Data Collector server", () => {
    const order = (r: Role) => ROLE_FACTS[r].enableOrder;
    for (const other of Object.keys(ROLE_FACTS) as Role[]) {
      if (other !== "managementServer") expect(order("managementServer")).toBeLessThan(order(other));
    }
    expect(order("failoverRecordingServer")).toBe(order("recordingServer"));
    for (const dataCollector of ["eventServer", "logServer", "lprServer", "mobileServer"] as const)
      expect(order("recordingServer")).toBeLessThan(order(dataCollector));
  });
});

describe("serverManifest and planBundle", () => {
  const validate = new Ajv2020({ allErrors: true }).compile(
    JSON.parse(readRepoFile("scripts/bundle/manifest.schema.json")),
  );

  test.each(["rec01", "event01", "mgmt01"])(
    "the manifest of %s validates against its schema and holds only its own",
    (name) => {
      const m = serverManifest(parsed(), "site", name);
      validate(m);
      expect(validate.errors ?? []).toEqual([]);
      expect(m).toMatchObject({
        contractVersion: 1,
        stack: "site",
        server: name,
        pfxFile: `${name}.pfx`,
        pfxPassword: `pw-${name}`,
      });
      const text = JSON.stringify(m);
      for (const other of ["rec01", "event01", "mgmt01"].filter((o) => o !== name)) {
        expect(text).not.toContain(`pw-${other}`);
        expect(text).not.toContain(parsed().servers[other].thumbprint);
      }
    },
  );

  test("the plan: per server its PFX, manifest and roots, 0600 files in 0700 folders; order.txt; the client kit", () => {
    const plan = planBundle({
      outputs: parsed(),
      stack: "site",
      servers: ["rec01", "event01"],
      clientScript: { name: "k.ps1", content: "x" },
    });
    expect(plan.dirs).toEqual([
      { path: "", mode: 0o700 },
      { path: "rec01", mode: 0o700 },
      { path: "event01", mode: 0o700 },
      { path: "clients", mode: 0o700 },
    ]);
    const ca = `ca-${tp(CA)}.cer`;
    expect(plan.files.map((f) => f.path)).toEqual([
      "rec01/rec01.pfx",
      "rec01/rec01.json",
      `rec01/${ca}`,
      "event01/event01.pfx",
      "event01/event01.json",
      `event01/${ca}`,
      "order.txt",
      `clients/${ca}`,
      "clients/site.txt",
      "clients/k.ps1",
    ]);
    for (const f of plan.files) expect(f.mode).toBe(0o600);
    expect(plan.files.find((f) => f.path === "order.txt")!.content.toString()).toBe("rec01\nevent01\n");
    expect(plan.files.find((f) => f.path === "rec01/rec01.pfx")!.content).toEqual(
      Buffer.from(der("pfx-rec01"), "base64"),
    );
    // The client kit names its site: the script marks the roots with it, and retires only that site's roots.
    expect(plan.files.find((f) => f.path === "clients/site.txt")!.content.toString()).toBe("site\n");
  });
});

test("the names the plan writes beside the server folders are those the server-name rule refuses (BUNDLE_OWN_NAMES)", () => {
  const plan = planBundle({
    outputs: parsed(),
    stack: "site",
    servers: ["rec01", "event01", "mgmt01"],
    clientScript: { name: "k.ps1", content: "x" },
  });
  const top = new Set([...plan.dirs, ...plan.files].map((e) => e.path.split("/")[0]));
  for (const own of ["", "rec01", "event01", "mgmt01"]) top.delete(own);
  expect([...top].sort()).toEqual([...BUNDLE_OWN_NAMES].sort());
});

describe("outRefusal: inside a git work tree only where git ignores it", () => {
  let repo: string;
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), "xpc-gitrepo-"));
    execFileSync("git", ["init", "-q", repo]);
    writeFileSync(join(repo, ".gitignore"), "/bundle/\n");
    mkdirSync(join(repo, "src"));
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  test.each([
    ["an ignored folder", "bundle", undefined],
    ["below an ignored folder, not yet made", "bundle/site/x", undefined],
    ["a folder git does not ignore", "src/out", /git does not ignore it/],
    ["the repository's root", ".", /is the root of the git repository/],
  ])("%s", (_what, rel, want) => {
    const r = outRefusal(join(repo, rel), repo);
    if (want) expect(r).toMatch(want);
    else expect(r).toBeUndefined();
  });

  test("outside any repository: allowed", () => {
    const dir = mkdtempSync(join(tmpdir(), "xpc-nogit-"));
    try {
      expect(outRefusal(join(dir, "b"), repo)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("every manifest is checked against its schema before anything is written", () => {
  const schema = JSON.parse(readRepoFile("scripts/bundle/manifest.schema.json"));
  const rec01 = (o: Record<string, unknown>) => ({
    servers: { ...(outputs().servers as object), rec01: { ...server("recordingServer", "rec01"), ...o } },
  });
  const plan = (o: Record<string, unknown>) => {
    const p = parseBundleOutputs(outputs(rec01(o)), "test");
    if (!p.ok) throw new Error(p.problems.join("\n"));
    return () => planBundle({ outputs: p.value, stack: "site", servers: ["mgmt01", "rec01"] });
  };
  const streaming = SLOT_GROUP_IDS.streamingMedia;
  const cmd = (group: string) =>
    `ServerConfigurator.exe /quiet /enableencryption /certificategroup=${group} /thumbprint=${tp(der("rec01"))}`;

  test.each([
    [
      "a time with an offset",
      { notAfter: "2026-01-15T10:00:00+01:00" },
      /notAfter: "2026-01-15T10:00:00\+01:00" must match pattern/,
    ],
    [
      "a slot outside the schema",
      { slots: [{ slot: "web", groupId: GROUP, command: cmd(GROUP) }] },
      /slots\[0\]\.slot: "web" must be equal to one of the allowed values/,
    ],
    [
      "a slot with another slot's group id",
      { slots: [{ slot: "server", groupId: streaming, command: cmd(streaming) }] },
      /slots\[0\]: slot "server" with group "549df21d-047c-456b-958e-99e65dd8b3ec" is not a slot with its own group id/,
    ],
    [
      "a group id that is no GUID",
      { slots: [{ slot: "server", groupId: "84430eb7-847c-422d-aa00-7915cd0d7a6-", command: cmd(GROUP) }] },
      /slots\[0\]\.groupId: "84430eb7-847c-422d-aa00-7915cd0d7a6-" must match pattern/,
    ],
    ["no slot", { slots: [] }, /slots: \[\] must NOT have fewer than 1 items/],
  ])("%s: the bundle is refused, naming the server, the field and the fix", (_what, o, message) => {
    // The outputs reader lets it through; the manifest's schema does not.
    expect(parseBundleOutputs(outputs(rec01(o)), "test").ok).toBe(true);
    expect(plan(o)).toThrow(message);
    expect(plan(o)).toThrow(
      /manifest of server "rec01" would not validate against scripts\/bundle\/manifest\.schema\.json, so nothing was written/,
    );
    expect(plan(o)).toThrow(/run npm run up for the stack/);
  });

  test("the password is never shown in a message", () => {
    const m = { ...serverManifest(parsed(), "site", "rec01"), pfxPassword: "" };
    expect(manifestProblems(m)).toEqual(["pfxPassword: (secret) must NOT have fewer than 1 characters"]);
  });

  test.each([
    ["2026-13-01T00:00:00Z", false],
    ["2026-02-30T24:00:00Z", false],
    ["2026-01-15 09:00:00Z", false],
    ["2026-01-15T09:00:00.123Z", true],
    ["2026-12-31T23:59:59Z", true],
  ])("a time %s: valid %s", (t, valid) => {
    const m = { ...serverManifest(parsed(), "site", "rec01"), renewalDue: t };
    expect(manifestProblems(m).length === 0).toBe(valid);
  });

  test("the schema's slots and group ids are the provider's (provider/xprotect/roles.ts)", () => {
    const branches = schema.properties.slots.items.oneOf.map(
      (o: {
        properties: { slot: { const: string }; groupId: { const: string }; command: { pattern: string } };
      }) => [
        o.properties.slot.const,
        o.properties.groupId.const,
        new RegExp(o.properties.command.pattern).test(cmd(o.properties.groupId.const)),
      ],
    );
    expect(branches).toEqual(Object.entries(SLOT_GROUP_IDS).map(([slot, id]) => [slot, id, true]));
    expect(schema.properties.slots.items.properties.slot.enum).toEqual(Object.keys(SLOT_GROUP_IDS));
  });
});

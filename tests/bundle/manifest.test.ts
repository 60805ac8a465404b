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
import { readRepoFile } from "./powershell";

const der = (seed: string) => Buffer.from(`not a real certificate ${seed}`).toString("base64");
const tp = (derB64: string) =>
  createHash("sha1").update(Buffer.from(derB64, "base64")).digest("hex").toUpperCase();
const T = "2026-01-15T09:00:00.000Z";
const GROUP = "84430eb7-847c-422d-aa00-7915cd0d7a65";

function server(role: string, enableOrder: number, seed: string) {
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
      rec01: server("recordingServer", 3, "rec01"),
      event01: server("eventServer", 1, "event01"),
      mgmt01: server("managementServer", 2, "mgmt01"),
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
          rec01: { ...server("recordingServer", 3, "rec01"), enableOrder: undefined },
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

  test("servers come in enable order: event server, management server, recorders", () => {
    const r = selectServers(parsed(), { all: true, servers: [] }, "site");
    expect(r).toEqual({ ok: true, value: ["event01", "mgmt01", "rec01"] });
    expect(orderText(["event01", "mgmt01"])).toBe("event01\nmgmt01\n");
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
      { path: "event01", mode: 0o700 },
      { path: "rec01", mode: 0o700 },
      { path: "clients", mode: 0o700 },
    ]);
    const ca = `ca-${tp(CA)}.cer`;
    expect(plan.files.map((f) => f.path)).toEqual([
      "event01/event01.pfx",
      "event01/event01.json",
      `event01/${ca}`,
      "rec01/rec01.pfx",
      "rec01/rec01.json",
      `rec01/${ca}`,
      "order.txt",
      `clients/${ca}`,
      "clients/k.ps1",
    ]);
    for (const f of plan.files) expect(f.mode).toBe(0o600);
    expect(plan.files.find((f) => f.path === "order.txt")!.content.toString()).toBe("event01\nrec01\n");
    expect(plan.files.find((f) => f.path === "rec01/rec01.pfx")!.content).toEqual(
      Buffer.from(der("pfx-rec01"), "base64"),
    );
  });
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

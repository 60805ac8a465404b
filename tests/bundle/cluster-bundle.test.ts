/**
 * The bundle of a clustered management server from outputs as a reader may get them (not only from this project's
 * program): node folders that would escape --out, clash with a server's folder, or are Windows device names are
 * refused before anything is written; hidden or missing identity provider secrets are named; the plan has a folder
 * per node with both PFX and order.txt lists the nodes first.
 */
import { createHash } from "node:crypto";
import { parseBundleOutputs } from "../../scripts/bundle/manifest";
import { planBundle } from "../../scripts/bundle/plan";

const der = (seed: string) => Buffer.from(`not a real certificate ${seed}`).toString("base64");
const tp = (b64: string) => createHash("sha1").update(Buffer.from(b64, "base64")).digest("hex").toUpperCase();
const T = "2026-01-15T09:00:00.000Z";
const GROUP = "84430eb7-847c-422d-aa00-7915cd0d7a65";

function server(role: string, host: string, enableOrder: number, extra: Record<string, unknown> = {}) {
  const thumbprint = tp(der(host));
  return {
    role,
    hostname: host,
    dnsNames: [host],
    ipAddresses: [],
    thumbprint,
    serialNumber: "0A1B",
    notBefore: T,
    notAfter: T,
    renewalDue: T,
    serviceName: "Milestone XProtect Management Server",
    serviceAccount: "NT AUTHORITY\\NETWORK SERVICE",
    enableOrder,
    slots: [
      {
        slot: "server",
        groupId: GROUP,
        command: `ServerConfigurator.exe /quiet /enableencryption /certificategroup=${GROUP} /thumbprint=${thumbprint}`,
      },
    ],
    ...extra,
  };
}
const IDP = { thumbprint: "E".repeat(40), serialNumber: "0E", notBefore: T, notAfter: T, renewalDue: T };
function outputs(nodes: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    contractVersion: 1,
    caCertificatePem: "-----BEGIN CERTIFICATE-----",
    caCertificateDer: der("ca"),
    caThumbprint: tp(der("ca")),
    caNotAfter: T,
    servers: {
      rec01: server("recordingServer", "rec01.corp.example.com", 2),
      mgmt: server("managementServer", "vms.corp.example.com", 1, {
        clusterNodes: nodes,
        identityProviderCertificate: IDP,
      }),
    },
    pfx: { rec01: der("pfx-rec01"), mgmt: der("pfx-mgmt") },
    pfxPasswords: { rec01: "pw-rec01", mgmt: "pw-mgmt" },
    identityProviderPfx: { mgmt: der("pfx-idp") },
    identityProviderPfxPasswords: { mgmt: "pw-idp" },
    ...extra,
  };
}
const NODES = ["mgmt-a.corp.example.com", "mgmt-b.corp.example.com"];

test("a folder per node with the server's PFX, the identity provider's and the node's manifest; nodes first", () => {
  const p = parseBundleOutputs(outputs(NODES), "test");
  if (!p.ok) throw new Error(p.problems.join("\n"));
  const plan = planBundle({ outputs: p.value, stack: "s", servers: ["rec01", "mgmt"] });
  expect(plan.dirs.map((d) => d.path)).toEqual(["", "mgmt-a", "mgmt-b", "rec01"]);
  const file = (path: string) => plan.files.find((f) => f.path === path);
  expect(file("order.txt")!.content.toString()).toBe("mgmt-a\nmgmt-b\nrec01\n");
  for (const [folder, node] of [
    ["mgmt-a", NODES[0]],
    ["mgmt-b", NODES[1]],
  ]) {
    expect(file(`${folder}/mgmt.pfx`)!.content.toString("base64")).toBe(der("pfx-mgmt"));
    expect(file(`${folder}/mgmt-identity-provider.pfx`)!.content.toString("base64")).toBe(der("pfx-idp"));
    const m = JSON.parse(file(`${folder}/${folder}.json`)!.content.toString());
    expect(m).toMatchObject({ server: "mgmt", hostname: node, clusterName: "vms.corp.example.com" });
    expect(m.identityProvider).toMatchObject({ pfxPassword: "pw-idp", thumbprint: IDP.thumbprint });
  }
  expect(file("mgmt/mgmt.json")).toBeUndefined();
});

test.each([
  ["an empty first label", [".corp.example.com", NODES[1]], /no usable bundle folder/],
  ["a Windows device name", ["aux.corp.example.com", NODES[1]], /no usable bundle folder \("aux"\)/],
  ["the bundle's own folder", ["Clients.corp.example.com", NODES[1]], /no usable bundle folder/],
  ["a server's folder", ["REC01.dr.example.com", NODES[1]], /also that of server rec01/],
  ["two nodes in one folder", ["mgmt-a.corp.example.com", "MGMT-A.dr.example.com"], /also that of node/],
])("refused: %s", (_what, nodes, reason) => {
  const p = parseBundleOutputs(outputs(nodes), "test");
  expect(p.ok).toBe(false);
  if (!p.ok) expect(p.problems.join("\n")).toMatch(reason);
});

test("the identity provider secrets hidden or missing are named, never shown", () => {
  const hidden = parseBundleOutputs(outputs(NODES, { identityProviderPfxPasswords: "[secret]" }), "test");
  expect(hidden.ok).toBe(false);
  if (!hidden.ok)
    expect(hidden.problems).toEqual([
      expect.stringMatching(/^identityProviderPfxPasswords: .*--show-secrets/),
    ]);
  const missing = parseBundleOutputs(outputs(NODES, { identityProviderPfx: {} }), "test");
  if (!missing.ok)
    expect(missing.problems).toEqual([expect.stringMatching(/^identityProviderPfx\.mgmt: missing/)]);
  expect(missing.ok).toBe(false);
});

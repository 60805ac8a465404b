/** `clusterNodes` of the site config: what is accepted, the certificate's names, and each mistake named with its fix. */
import { parseSite } from "../../provider/site/config";

const NODES = ["mgmt-a.corp.example.com", "mgmt-b.corp.example.com"];
const site = (mgmt: Record<string, unknown>, others: Record<string, unknown> = {}) =>
  parseSite({
    ca: { rsaBits: 2048 },
    servers: {
      mgmt: { role: "managementServer", hostname: "vms.corp.example.com", ...mgmt },
      rec01: { role: "recordingServer", hostname: "rec01.corp.example.com" },
      ...others,
    },
  });

test("a two-node cluster: the certificate names the cluster, then every node, then dnsNames, each once", () => {
  const { site: s, failures } = site({
    clusterNodes: ["MGMT-A.corp.example.com.", NODES[1]],
    dnsNames: ["vms.corp.example.com", "vms"],
  });
  expect(failures).toEqual([]);
  const mgmt = s!.servers.find((x) => x.name === "mgmt")!;
  expect(mgmt.clusterNodes).toEqual(NODES);
  expect(mgmt.dnsNames).toEqual(["vms.corp.example.com", ...NODES, "vms"]);
  expect(s!.servers.find((x) => x.name === "rec01")!.clusterNodes).toBeUndefined();
});

test("without clusterNodes a server's names are as before", () => {
  const { site: s } = site({});
  expect(s!.servers[0].dnsNames).toEqual(["vms.corp.example.com"]);
  expect(s!.servers[0].clusterNodes).toBeUndefined();
});

test.each<[string, Record<string, unknown>, Record<string, unknown>, string, RegExp]>([
  ["not a list", { clusterNodes: "mgmt-a.corp.example.com" }, {}, "servers.mgmt.clusterNodes", /not a list/],
  ["one node", { clusterNodes: [NODES[0]] }, {}, "servers.mgmt.clusterNodes", /at least 2/],
  [
    "not an FQDN",
    { clusterNodes: ["mgmt-a", NODES[1]] },
    {},
    "servers.mgmt.clusterNodes[0]",
    /fully qualified/,
  ],
  ["a bad name", { clusterNodes: ["mgmt_a.corp", NODES[1]] }, {}, "servers.mgmt.clusterNodes[0]", /label/],
  [
    "a node twice",
    { clusterNodes: [NODES[0], NODES[0].toUpperCase()] },
    {},
    "servers.mgmt.clusterNodes[1]",
    /listed twice/,
  ],
  [
    "the cluster's name as a node",
    { clusterNodes: ["vms.corp.example.com", NODES[1]] },
    {},
    "servers.mgmt.clusterNodes[0]",
    /cluster's name/,
  ],
  [
    "another server's host name",
    { clusterNodes: [NODES[0], "rec01.corp.example.com"] },
    {},
    "servers.mgmt.clusterNodes[1]",
    /host name of rec01/,
  ],
  [
    "two nodes with the same first label",
    { clusterNodes: ["mgmt-a.corp.example.com", "mgmt-a.dr.example.com"] },
    {},
    "servers.mgmt.clusterNodes[1]",
    /bundle folder/,
  ],
  [
    "a node's first label is a server's name (ignoring case)",
    { clusterNodes: ["REC01.dr.example.com", NODES[1]] },
    {},
    "servers.mgmt.clusterNodes[0]",
    /name of server rec01/,
  ],
  [
    "a node's first label is the bundle's own folder",
    { clusterNodes: ["clients.corp.example.com", NODES[1]] },
    {},
    "servers.mgmt.clusterNodes[0]",
    /bundle's own names/,
  ],
  [
    "a node's first label is a Windows device name",
    { clusterNodes: ["nul.corp.example.com", "com1.corp.example.com"] },
    {},
    "servers.mgmt.clusterNodes[0]",
    /Windows reserves/,
  ],
  [
    "clusterNodes on a recording server",
    {},
    { rec02: { role: "recordingServer", hostname: "rec02.corp.example.com", clusterNodes: NODES } },
    "servers.rec02.clusterNodes",
    /only the management server/,
  ],
])("%s: refused, naming the field and the fix", (_what, mgmt, others, field, reason) => {
  const { site: s, failures } = site(mgmt, others);
  expect(s).toBeUndefined();
  expect(failures).toContainEqual(expect.objectContaining({ field, reason: expect.stringMatching(reason) }));
});

test("the Windows device names include COM1-9 and LPT1-9, whatever the case", () => {
  const { failures } = site({ clusterNodes: ["Lpt9.corp.example.com", "COM3.corp.example.com"] });
  expect(failures.map((f) => f.field)).toEqual([
    "servers.mgmt.clusterNodes[0]",
    "servers.mgmt.clusterNodes[1]",
  ]);
});

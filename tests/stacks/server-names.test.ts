/**
 * Server names become folder and file names in the bundles, which go to Windows servers (and often through
 * macOS). Names Windows cannot make (reserved devices, a trailing dot), names with "..", and names equal to
 * another or to the bundle's own names (clients, order.txt) when case is ignored are refused by the site config,
 * naming the server and the fix; usual names are accepted.
 */
import { parseSite } from "../../provider/site/config";

const server = (n: number) => ({ role: "recordingServer", hostname: `host${n}.vms.example.local` });
const siteOf = (names: string[]) => ({
  ca: { rsaBits: 2048 },
  servers: Object.fromEntries(names.map((n, i) => [n, server(i)])),
});
const failuresOf = (names: string[]) => parseSite(siteOf(names)).failures;

test.each([
  ["CON", /"CON" is not a usable server name: CON is a device name Windows reserves/],
  ["con", /"con" is not a usable server name: CON is a device name Windows reserves/],
  ["Nul.local", /"Nul.local" is not a usable server name: NUL is a device name Windows reserves/],
  ["aux", /AUX is a device name/],
  ["prn.x", /PRN is a device name/],
  ["COM1", /COM1 is a device name/],
  ["lpt9.rec", /LPT9 is a device name/],
  ["rec02.", /"rec02\." is not a usable server name: Windows drops a trailing "\."/],
  ["a..b", /"a\.\.b" is not a usable server name: "\.\." is not allowed/],
  ["clients", /"clients" is not a usable server name: the bundle has its own clients/],
  ["Clients", /"Clients" is not a usable server name: the bundle has its own clients/],
  ["ORDER.TXT", /"ORDER\.TXT" is not a usable server name: the bundle has its own order\.txt/],
])("%s is refused", (name, reason) => {
  const failures = failuresOf(["rec01", name]);
  expect(failures).toEqual([
    { server: name, field: `servers.${name}`, reason: expect.stringMatching(reason) },
  ]);
});

test("names equal when case is ignored are refused, naming both", () => {
  expect(failuresOf(["rec01", "REC01", "mgmt01", "Rec01"])).toEqual([
    {
      server: "REC01",
      field: "servers.REC01",
      reason: expect.stringMatching(/"REC01" and "rec01" differ only in case: .*rename one of them/),
    },
    {
      server: "Rec01",
      field: "servers.Rec01",
      reason: expect.stringMatching(/"Rec01" and "rec01" differ only in case/),
    },
  ]);
});

test.each([
  ["rec01"],
  ["REC-01"],
  ["rec.01"],
  ["console"],
  ["com10"],
  ["lpt"],
  ["nul-1"],
  ["a.b.c"],
  ["client"],
])("%s is accepted", (name) => {
  expect(failuresOf([name])).toEqual([]);
});

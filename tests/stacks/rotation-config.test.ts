/** The rotation keys of the site config (nextCa, issueFrom, minStageDays): what is accepted, and each mistake named. */
import { parseSite } from "../../provider/site/config";

const SERVERS = { rec01: { role: "recordingServer", hostname: "rec01.vms.example.local" } };
const parse = (extra: Record<string, unknown>) =>
  parseSite({ ca: { rsaBits: 2048 }, servers: SERVERS, ...extra });

test("outside a rotation: issued from ca, minStageDays 7", () => {
  const { site, failures } = parse({});
  expect(failures).toEqual([]);
  expect(site).toMatchObject({ issueFrom: "ca", minStageDays: 7 });
  expect(site?.nextCa).toBeUndefined();
});

test("issueFrom: ca written with nextCa staged undoes a switch on purpose; not written, it is not an undo", () => {
  const nextCa = { generation: 1, rsaBits: 2048 };
  expect(parse({ nextCa, issueFrom: "ca" }).site).toMatchObject({ issueFrom: "ca", switchUndone: true });
  expect(parse({ nextCa }).site?.switchUndone).toBeUndefined();
  expect(parse({ issueFrom: "ca" }).site?.switchUndone).toBeUndefined();
});

test("stage and switch: nextCa checked like ca, issueFrom nextCa, minStageDays 0 on purpose", () => {
  const { site, failures } = parse({
    nextCa: { generation: 1, rsaBits: 3072 },
    issueFrom: "nextCa",
    minStageDays: 0,
  });
  expect(failures).toEqual([]);
  expect(site).toMatchObject({
    issueFrom: "nextCa",
    minStageDays: 0,
    nextCa: { generation: 1, rsaBits: 3072 },
  });
});

test.each<[string, Record<string, unknown>, string, RegExp]>([
  [
    "a switch with no next root",
    { issueFrom: "nextCa" },
    "issueFrom",
    /"nextCa" names no root: there is no nextCa/,
  ],
  [
    "an unknown root",
    { issueFrom: "next" },
    "issueFrom",
    /string "next" is not a root: use "ca".*or "nextCa"/,
  ],
  [
    "a next root without its generation",
    { nextCa: { rsaBits: 2048 } },
    "nextCa.generation",
    /missing: .* e\.g\. 1/,
  ],
  [
    "a next root of the same generation",
    { ca: { generation: 2 }, nextCa: { generation: 2 } },
    "nextCa.generation",
    /2 is not above ca\.generation \(2\).*e\.g\. 3/,
  ],
  [
    "a bad value in the next root",
    { nextCa: { generation: 1, rsaBits: 1024 } },
    "nextCa.rsaBits",
    /1024 is not allowed/,
  ],
  [
    "an unknown key in the next root",
    { nextCa: { generation: 1, rsabits: 2048 } },
    "nextCa.rsabits",
    /did you mean "rsaBits"/,
  ],
  ["a negative minStageDays", { minStageDays: -1 }, "minStageDays", /from 0 to 3650 \(MAX_MIN_STAGE_DAYS\)/],
  ["minStageDays as text", { minStageDays: "7" }, "minStageDays", /string "7" is not a number of days/],
  [
    "minStageDays without nextCa (left from a rotation)",
    { minStageDays: 0 },
    "minStageDays",
    /^0 is set without nextCa: .*would apply to the next one.*Remove it: the retire step removes nextCa, issueFrom and minStageDays/,
  ],
])("refused: %s, at %s", (_, extra, field, reason) => {
  const { site, failures } = parse(extra);
  expect(site).toBeUndefined();
  expect(failures.find((f) => f.field === field)?.reason).toMatch(reason);
});

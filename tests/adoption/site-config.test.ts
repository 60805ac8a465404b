/** The adoption config keys of a site: each mistake named by its config key (and server), nothing accepted by accident. */
import { parseSite, SiteAdoption } from "../../provider/site/config";
import { FIXTURE_PASSWORD, Fixtures, makeFixtures } from "../helpers/vendor-fixtures";

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});

const SITE = {
  servers: {
    rec01: { role: "recordingServer", hostname: "rec01.vms.example.local" },
    rec02: { role: "recordingServer", hostname: "rec02.vms.example.local" },
  },
};

const parse = (adoption: () => SiteAdoption, passwords: Record<string, unknown> = {}, site: object = SITE) =>
  parseSite(site, passwords, adoption());

test("the vendor's CA and rec01's PFX are accepted and passed on", () => {
  const r = parse(
    () => ({
      caPfx: fx.vendorCa.pfx3des,
      caPfxPassword: FIXTURE_PASSWORD,
      serverPfx: { rec01: fx.vendorServer.pfxAes },
    }),
    { rec01: FIXTURE_PASSWORD },
  );
  expect(r.failures).toEqual([]);
  expect(r.site?.ca.adoptPfx).toBe(fx.vendorCa.pfx3des);
  expect(r.site?.servers.find((s) => s.name === "rec01")?.adoptPfx).toBe(fx.vendorServer.pfxAes);
  expect(r.site?.servers.find((s) => s.name === "rec02")?.adoptPfx).toBeUndefined();
});

interface Row {
  name: string;
  adoption: () => SiteAdoption;
  passwords?: Record<string, unknown>;
  site?: object;
  field: string;
  reason: RegExp;
  server?: string;
}

const ROWS: Row[] = [
  {
    name: "a wrong CA password",
    adoption: () => ({ caPfx: fx.vendorCa.pfx3des, caPfxPassword: "no" }),
    field: "xprotect-certs:caPfxPassword",
    reason: /password is wrong/,
  },
  {
    name: "a CA PFX without its password",
    adoption: () => ({ caPfx: fx.vendorCa.pfx3des }),
    field: "xprotect-certs:caPfxPassword",
    reason: /missing/,
  },
  {
    name: "a CA key without its certificate",
    adoption: () => ({ caPrivateKeyPem: fx.vendorCa.keyPem }),
    field: "xprotect-certs:caCertificatePem",
    reason: /missing/,
  },
  {
    name: "a server certificate as the CA",
    adoption: () => ({ caPfx: fx.notCa.pfx3des, caPfxPassword: FIXTURE_PASSWORD }),
    field: "xprotect-certs:caPfx",
    reason: /CA:FALSE/,
  },
  {
    name: "a commonName beside the adopted CA",
    adoption: () => ({ caPfx: fx.vendorCa.pfx3des, caPfxPassword: FIXTURE_PASSWORD }),
    site: { ...SITE, ca: { commonName: "Mine" } },
    field: "ca.commonName",
    reason: /taken from the adopted CA/,
  },
  {
    name: "a PFX for a server that does not exist",
    adoption: () => ({ serverPfx: { rec09: fx.vendorServer.pfx3des } }),
    passwords: { rec09: "x" },
    field: "xprotect-certs:serverPfx.rec09",
    reason: /no server named "rec09"/,
    server: "rec09",
  },
  {
    name: "a server PFX without its password",
    adoption: () => ({ serverPfx: { rec01: fx.vendorServer.pfx3des } }),
    field: "pfxPasswords.rec01",
    reason: /needs its password here/,
    server: "rec01",
  },
  {
    name: "a server PFX with a wrong password",
    adoption: () => ({ serverPfx: { rec01: fx.vendorServer.pfx3des } }),
    passwords: { rec01: "wrong" },
    field: "pfxPasswords.rec01",
    reason: /password is wrong/,
    server: "rec01",
  },
  {
    name: "a server PFX that is not base64",
    adoption: () => ({ serverPfx: { rec01: "%%%" } }),
    passwords: { rec01: "x" },
    field: "xprotect-certs:serverPfx.rec01",
    reason: /not base64/,
    server: "rec01",
  },
  {
    name: "serverPfx that is not a map",
    adoption: () => ({ serverPfx: "MIIK" }),
    field: "xprotect-certs:serverPfx",
    reason: /not a map/,
  },
];

test.each(ROWS)("refused: $name", (row) => {
  const r = parse(row.adoption, row.passwords ?? {}, row.site ?? SITE);
  expect(r.site).toBeUndefined();
  const failure = r.failures.find((f) => f.field === row.field);
  expect(failure?.reason).toMatch(row.reason);
  if (row.server) expect(failure?.server).toBe(row.server);
});

describe("a password pasted into a secret input is never shown, not even its start", () => {
  const PASSWORD = "Sup3r$ecret-Passw0rd!";
  /** Every substring of 4 characters of the password: none may appear in a message. */
  const pieces = [...Array(PASSWORD.length - 3).keys()].map((i) => PASSWORD.slice(i, i + 4));

  test.each([
    [
      "caPfx",
      () => ({ caPfx: PASSWORD, caPfxPassword: "x" }),
      "xprotect-certs:caPfx",
      /is not base64 \(21 characters, without a PEM header; its text is not shown\)/,
    ],
    [
      "caPrivateKeyPem",
      () => ({ caCertificatePem: fx.vendorCa.certPem, caPrivateKeyPem: PASSWORD }),
      "xprotect-certs:caPrivateKeyPem",
      /is not a PEM private key .*\(21 characters, without a PEM header; its text is not shown\)/,
    ],
    [
      "serverPfx",
      () => ({ serverPfx: { rec01: PASSWORD } }),
      "xprotect-certs:serverPfx.rec01",
      /is not base64 \(21 characters, without a PEM header; its text is not shown\)/,
    ],
  ])("%s", (_key, adoption, field, reason) => {
    const r = parse(adoption, { rec01: "x" });
    const failure = r.failures.find((f) => f.field === field);
    expect(failure?.reason).toMatch(reason);
    const all = JSON.stringify(r.failures);
    for (const piece of pieces)
      expect({ piece, shown: all.includes(piece) }).toEqual({ piece, shown: false });
  });
});

/**
 * The product's central promise, row by row, through the providers' own check/create/diff/update with an
 * injected clock: what a change does to a server certificate.
 */
import { X509Certificate } from "node:crypto";
import { caProvider, CaOutputs } from "../../provider/ca/provider";
import { serverProvider, ServerOutputs } from "../../provider/server/provider";
import { bindingProvider } from "../../provider/binding/provider";
import { testEnv, TestEnv } from "../helpers/env";
import { openssl } from "../helpers/openssl";

type Props = Record<string, unknown>;

async function checked(p: ReturnType<typeof serverProvider>, news: Props, olds: Props = {}) {
  const r = await p.check!(olds, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Props;
}

async function makeCa(env: TestEnv, args: Props = {}): Promise<CaOutputs> {
  const p = caProvider(env);
  const inputs = await checked(p, args);
  return (await p.create(inputs)).outs as CaOutputs;
}

function serverArgs(ca: CaOutputs, over: Props = {}): Props {
  return {
    caCertificatePem: ca.certificatePem,
    caSigningKey: ca.signingKey,
    dnsNames: ["rec01.vms.example.local", "rec01"],
    ipAddresses: ["10.0.0.11"],
    ...over,
  };
}

/** Runs check, diff and (when changed) update, as the engine does for an `up`. */
async function up(env: TestEnv, olds: ServerOutputs, args: Props) {
  const p = serverProvider(env);
  const news = await checked(p, args);
  const keysBefore = env.keys;
  const diff = await p.diff!("id", olds, news);
  const outs = diff.changes ? ((await p.update!("id", olds, news)).outs as ServerOutputs) : olds;
  return { changed: diff.changes === true, outs, keysMade: env.keys - keysBefore };
}

const pfxOpens = (outs: ServerOutputs) =>
  openssl(["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nokeys", "-clcerts"], {
    "s.pfx": Buffer.from(outs.pfx, "base64"),
    pw: outs.pfxPassword,
  });

describe("a server certificate's life", () => {
  let env: TestEnv;
  let ca: CaOutputs;
  let first: ServerOutputs;

  beforeAll(async () => {
    env = testEnv("2026-01-15T09:00:00Z");
    ca = await makeCa(env);
    const p = serverProvider(env);
    first = (await p.create(await checked(p, serverArgs(ca)))).outs as ServerOutputs;
  });

  test("is issued with its outputs: thumbprint, serial, names, dates, renewal time, PFX", () => {
    const x = new X509Certificate(first.certificatePem);
    expect(first.thumbprint).toBe(x.fingerprint.replace(/:/g, ""));
    expect(first.sha256Fingerprint).toBe(x.fingerprint256.replace(/:/g, ""));
    expect(first.serialNumber).toBe(x.serialNumber.toUpperCase());
    expect(first.subject).toBe("CN=rec01.vms.example.local");
    expect(first.dnsNames).toEqual(["rec01.vms.example.local", "rec01"]);
    expect(first.notBefore).toBe("2026-01-15T08:50:00.000Z");
    expect(first.notAfter).toBe("2028-01-15T09:00:00.000Z");
    expect(first.renewalDue).toBe("2027-12-16T09:00:00.000Z");
    expect(first.caThumbprint).toBe(ca.thumbprint);
    expect(first.pfxPasswordGenerated).toBe(true);
    expect(first.pfxPassword).toMatch(/^[A-Za-z2-9]{24}$/);
    const opened = pfxOpens(first);
    expect(opened.status).toBe(0);
    expect(opened.stdout).toContain("subject=CN = rec01.vms.example.local");
  });

  test("nothing changed: no change, no key", async () => {
    const r = await up(env, first, serverArgs(ca));
    expect(r.changed).toBe(false);
    expect(r.keysMade).toBe(0);
  });

  test.each<[string, Props]>([
    ["dnsNames", { dnsNames: ["rec01.vms.example.local", "rec01", "rec01-alias.vms.example.local"] }],
    ["ipAddresses", { ipAddresses: ["10.0.0.12"] }],
    ["rsaBits", { rsaBits: 3072 }],
    ["validityDays", { validityDays: 365 }],
    ["generation", { generation: 1 }],
  ])("a new %s reissues: new certificate and key, same subject", async (_field, over) => {
    const r = await up(env, first, serverArgs(ca, over));
    expect(r.changed).toBe(true);
    expect(r.keysMade).toBe(1);
    expect(r.outs.thumbprint).not.toBe(first.thumbprint);
    expect(r.outs.serialNumber).not.toBe(first.serialNumber);
    expect(r.outs.subject).toBe(first.subject);
    expect(
      new X509Certificate(r.outs.certificatePem).publicKey.export({ type: "spki", format: "pem" }),
    ).not.toBe(new X509Certificate(first.certificatePem).publicKey.export({ type: "spki", format: "pem" }));
    expect(pfxOpens(r.outs).status).toBe(0);
  });

  test("a new CA reissues, signed by the new CA", async () => {
    const other = await makeCa(env);
    const r = await up(env, first, serverArgs(other));
    expect(r.changed).toBe(true);
    expect(r.outs.caThumbprint).toBe(other.thumbprint);
    const verified = openssl(["verify", "-purpose", "sslserver", "-CAfile", "ca.pem", "leaf.pem"], {
      "ca.pem": other.certificatePem,
      "leaf.pem": r.outs.certificatePem,
    });
    expect(verified.stdout.trim()).toBe("leaf.pem: OK");
  });

  test("keyRotation never: a reissue keeps the key", async () => {
    const r = await up(env, first, serverArgs(ca, { generation: 1, keyRotation: "never" }));
    expect(r.changed).toBe(true);
    expect(r.keysMade).toBe(0);
    expect(r.outs.thumbprint).not.toBe(first.thumbprint);
    // The key lives only in the PFX: compare the certified public keys.
    const publicKey = (o: ServerOutputs) =>
      new X509Certificate(o.certificatePem).publicKey.export({ type: "spki", format: "der" });
    expect(publicKey(r.outs).equals(publicKey(first))).toBe(true);
    expect(r.outs).not.toHaveProperty("privateKeyPem");
  });

  test.each<[string, Props, (o: ServerOutputs) => void]>([
    ["pfxPassword", { pfxPassword: "a new password" }, (o) => expect(o.pfxPassword).toBe("a new password")],
    ["pfxProfile", { pfxProfile: "modern-aes256" }, (o) => expect(o.pfxProfile).toBe("modern-aes256")],
    [
      "friendlyName",
      { friendlyName: "XProtect recorder" },
      (o) => expect(o.friendlyName).toBe("XProtect recorder"),
    ],
    ["includeChain", { includeChain: false }, (o) => expect(o.includeChain).toBe(false)],
  ])("a new %s rebuilds only the PFX: same certificate and key", async (_field, over, expectation) => {
    const r = await up(env, first, serverArgs(ca, over));
    expect(r.changed).toBe(true);
    expect(r.keysMade).toBe(0);
    expect(r.outs.thumbprint).toBe(first.thumbprint);
    expect(r.outs.certificatePem).toBe(first.certificatePem);
    expect(r.outs.pfx).not.toBe(first.pfx);
    expectation(r.outs);
    const opened = pfxOpens(r.outs);
    expect(opened.status).toBe(0);
    expect(opened.stdout).toContain("subject=CN = rec01.vms.example.local");
  });

  test("the PFX profile really changes the PFX's algorithms", async () => {
    const r = await up(env, first, serverArgs(ca, { pfxProfile: "modern-aes256" }));
    const info = openssl(["pkcs12", "-info", "-in", "s.pfx", "-passin", "file:pw", "-noout"], {
      "s.pfx": Buffer.from(r.outs.pfx, "base64"),
      pw: r.outs.pfxPassword,
    });
    expect(info.stderr).toMatch(/AES-256-CBC/);
  });

  test.each<[string, Props]>([
    ["renewBeforeDays", { renewBeforeDays: 60 }],
    ["autoRenew", { autoRenew: false }],
  ])("a new %s alone, not yet due: no change", async (_f, over) => {
    const r = await up(env, first, serverArgs(ca, over));
    expect(r.changed).toBe(false);
    expect(r.keysMade).toBe(0);
  });

  test("a generated password is kept; giving one then taking it away generates a new one", async () => {
    const given = await up(env, first, serverArgs(ca, { pfxPassword: "given password" }));
    const kept = await up(env, given.outs, serverArgs(ca, { pfxPassword: "given password" }));
    expect(kept.changed).toBe(false);
    const taken = await up(env, given.outs, serverArgs(ca));
    expect(taken.changed).toBe(true);
    expect(taken.outs.pfxPasswordGenerated).toBe(true);
    expect(taken.outs.pfxPassword).not.toBe(first.pfxPassword);
    expect(taken.outs.pfxPassword).toHaveLength(24);
    expect(pfxOpens(taken.outs).status).toBe(0);
  });
});

describe("renewal by the clock", () => {
  let env: TestEnv;
  let ca: CaOutputs;
  let first: ServerOutputs;
  beforeAll(async () => {
    env = testEnv("2026-01-15T09:00:00Z");
    ca = await makeCa(env);
    const p = serverProvider(env);
    first = (await p.create(await checked(p, serverArgs(ca, { validityDays: 90, renewBeforeDays: 30 }))))
      .outs as ServerOutputs;
  });
  afterEach(() => env.setNow("2026-01-15T09:00:00Z"));

  test("one second before renewalDue: no change", async () => {
    env.setNow(new Date(Date.parse(first.renewalDue) - 1000).toISOString());
    const r = await up(env, first, serverArgs(ca, { validityDays: 90, renewBeforeDays: 30 }));
    expect(r.changed).toBe(false);
  });

  test("at renewalDue with autoRenew: a plain up reissues with the same subject and a new key", async () => {
    env.setNow(first.renewalDue);
    const r = await up(env, first, serverArgs(ca, { validityDays: 90, renewBeforeDays: 30 }));
    expect(r.changed).toBe(true);
    expect(r.keysMade).toBe(1);
    expect(r.outs.subject).toBe(first.subject);
    expect(r.outs.thumbprint).not.toBe(first.thumbprint);
    expect(Date.parse(r.outs.notAfter)).toBe(Date.parse(first.renewalDue) + 90 * 86400000);
    expect(r.outs.pfxPassword).toBe(first.pfxPassword);
  });

  test("due but autoRenew false: no change (the GitOps flow renews by a generation bump)", async () => {
    env.setNow(first.renewalDue);
    const r = await up(
      env,
      first,
      serverArgs(ca, { validityDays: 90, renewBeforeDays: 30, autoRenew: false }),
    );
    expect(r.changed).toBe(false);
  });

  test("a larger renewBeforeDays makes it due sooner", async () => {
    env.setNow(new Date(Date.parse(first.notAfter) - 45 * 86400000).toISOString());
    const r = await up(env, first, serverArgs(ca, { validityDays: 90, renewBeforeDays: 50 }));
    expect(r.changed).toBe(true);
  });
});

describe("the CA", () => {
  test("a change of identity is a replace; a new friendly name is an update", async () => {
    const env = testEnv();
    const p = caProvider(env);
    const ca = await makeCa(env);
    for (const [field, value] of [
      ["commonName", "X"],
      ["organization", "O"],
      ["rsaBits", 4096],
      ["validityDays", 100],
      ["generation", 1],
    ] as const) {
      const news = { ...(await p.check!({}, { [field]: value })).inputs };
      const d = await p.diff!("id", ca, news);
      expect(d.replaces).toEqual([field]);
    }
    const d = await p.diff!("id", ca, (await p.check!({}, { friendlyName: "Site root" })).inputs);
    expect(d).toEqual({ changes: true });
    const same = await p.diff!("id", ca, (await p.check!({}, {})).inputs);
    expect(same).toEqual({ changes: false });
  });

  test("is never renewed by the clock", async () => {
    const env = testEnv("2026-01-15T09:00:00Z");
    const p = caProvider(env);
    const ca = await makeCa(env, { validityDays: 10 });
    env.setNow("2027-01-01T00:00:00Z");
    expect(await p.diff!("id", ca, (await p.check!({}, { validityDays: 10 })).inputs)).toEqual({
      changes: false,
    });
  });

  test("a malformed XPROTECT_CERTS_NOW fails check, naming the variable", async () => {
    const env = testEnv();
    env.now = () => ({ ok: false, reason: 'XPROTECT_CERTS_NOW="tomorrow" is not an ISO 8601 time' });
    const r = await caProvider(env).check!({}, {});
    expect(r.failures).toEqual([
      { property: "XPROTECT_CERTS_NOW", reason: expect.stringMatching(/"tomorrow"/) },
    ]);
  });
});

describe("a binding", () => {
  test("carries the service, account and a Server Configurator command per slot, and follows its certificate", async () => {
    const p = bindingProvider();
    const args = {
      role: "recordingServer",
      hostname: "rec01.vms.example.local",
      serviceAccount: "VMS\\svc-rec",
      thumbprint: "AB".repeat(20),
      notAfter: "2028-01-15T09:00:00.000Z",
      certificateDnsNames: ["rec01.vms.example.local"],
      certificateRsaBits: 2048,
      certificateValidityDays: 730,
    };
    const inputs = (await p.check!({}, args)).inputs;
    const outs = (await p.create(inputs)).outs;
    expect(outs.serviceName).toBe("Milestone XProtect Recording Server");
    expect(outs.serviceAccount).toBe("VMS\\svc-rec");
    expect(outs.slots).toEqual([
      {
        slot: "server",
        groupId: "84430eb7-847c-422d-aa00-7915cd0d7a65",
        command: `ServerConfigurator.exe /quiet /enableencryption /certificategroup=84430eb7-847c-422d-aa00-7915cd0d7a65 /thumbprint=${"AB".repeat(20)}`,
      },
      {
        slot: "streamingMedia",
        groupId: "549df21d-047c-456b-958e-99e65dd8b3ec",
        command: `ServerConfigurator.exe /quiet /enableencryption /certificategroup=549df21d-047c-456b-958e-99e65dd8b3ec /thumbprint=${"AB".repeat(20)}`,
      },
    ]);
    expect((await p.diff!("id", outs, inputs)).changes).toBe(false);
    const reissued = (await p.check!({}, { ...args, thumbprint: "CD".repeat(20) })).inputs;
    expect((await p.diff!("id", outs, reissued)).changes).toBe(true);
    const updated = (await p.update!("id", outs, reissued)).outs;
    expect(updated.slots[0].command).toContain(`/thumbprint=${"CD".repeat(20)}`);
  });
});

describe("a failure part-way", () => {
  test("leaves the old certificate as it was, and the next run succeeds", async () => {
    const env = testEnv();
    const ca = await makeCa(env);
    const p = serverProvider(env);
    const first = (await p.create(await checked(p, serverArgs(ca)))).outs as ServerOutputs;
    const snapshot = JSON.stringify(first);
    const news = await checked(p, serverArgs(ca, { generation: 1 }));
    env.failNextKey();
    await expect(p.update!("id", first, news)).rejects.toThrow(/injected: key generation failed/);
    expect(JSON.stringify(first)).toBe(snapshot);
    const retried = (await p.update!("id", first, news)).outs as ServerOutputs;
    expect(retried.thumbprint).not.toBe(first.thumbprint);
  });
});

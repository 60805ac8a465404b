/**
 * Adoption through the providers' own check/create/diff/update: the vendor's CA (PFX in 3DES and AES, or PEM)
 * and an installed server certificate keep their thumbprints; what is issued afterwards verifies against the
 * adopted CA with OpenSSL; every way adoption can go wrong fails at check with a message that names it.
 */
import { X509Certificate } from "node:crypto";
import { caProvider, CaOutputs } from "../../provider/ca/provider";
import { serverProvider, ServerOutputs } from "../../provider/server/provider";
import { BASIC_CONSTRAINTS_WARNING } from "../../provider/ca/resource";
import { testEnv, TestEnv } from "../helpers/env";
import { openssl } from "../helpers/openssl";
import { FIXTURE_PASSWORD, Fixtures, makeFixtures } from "../helpers/vendor-fixtures";

type Props = Record<string, unknown>;
let fx: Fixtures;
let env: TestEnv;

beforeAll(() => {
  fx = makeFixtures();
});
beforeEach(() => {
  env = testEnv(new Date().toISOString());
});

async function check(kind: "ca" | "server", news: Props, olds: Props = {}) {
  const p = kind === "ca" ? caProvider(env) : serverProvider(env);
  return p.check!(olds, news);
}

async function adoptCa(args: Props): Promise<CaOutputs> {
  const r = await check("ca", args);
  expect(r.failures ?? []).toEqual([]);
  return (await caProvider(env).create(r.inputs)).outs as CaOutputs;
}

const serverArgs = (ca: CaOutputs, over: Props = {}): Props => ({
  caCertificatePem: ca.certificatePem,
  caSigningKey: ca.signingKey,
  dnsNames: ["rec01.vms.example.local"],
  ...over,
});

describe("adopting the vendor's CA", () => {
  test.each([
    ["PFX, 3DES", () => ({ adoptPfx: fx.vendorCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD })],
    ["PFX, AES", () => ({ adoptPfx: fx.vendorCa.pfxAes, adoptPfxPassword: FIXTURE_PASSWORD })],
    ["PEM", () => ({ adoptCertificatePem: fx.vendorCa.certPem, adoptPrivateKeyPem: fx.vendorCa.keyPem })],
  ])("from %s: same thumbprint, no key made, flagged for the basicConstraints warning", async (_, args) => {
    const ca = await adoptCa(args());
    expect(ca.thumbprint).toBe(fx.vendorCa.thumbprint);
    expect(new X509Certificate(ca.certificatePem).fingerprint).toBe(
      new X509Certificate(fx.vendorCa.certPem).fingerprint,
    );
    expect(ca.adopted).toBe(true);
    expect(ca.basicConstraintsAbsent).toBe(true);
    expect(ca.commonName).toBe("VMS Certificate Authority");
    expect(env.keys).toBe(0);
    // Adopted secrets are inputs only: never echoed into outputs.
    expect(JSON.stringify(ca)).not.toContain(fx.vendorCa.pfx3des.slice(0, 40));
    for (const secret of ["adoptPfx", "adoptPfxPassword", "adoptCertificatePem", "adoptPrivateKeyPem"]) {
      expect(ca).not.toHaveProperty(secret);
    }
  });

  test("a server certificate issued afterwards is signed by the adopted CA (openssl verify)", async () => {
    const ca = await adoptCa({ adoptPfx: fx.vendorCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD });
    const r = await check("server", serverArgs(ca, { dnsNames: ["rec02.vms.example.local"] }));
    expect(r.failures ?? []).toEqual([]);
    const server = (await serverProvider(env).create(r.inputs)).outs as ServerOutputs;
    expect(server.caThumbprint).toBe(fx.vendorCa.thumbprint);
    const files = { "ca.pem": fx.vendorCa.certPem, "leaf.pem": server.certificatePem };
    const verified = openssl(["verify", "-purpose", "sslserver", "-CAfile", "ca.pem", "leaf.pem"], files);
    expect(verified.stdout.trim()).toBe("leaf.pem: OK");
    // What the warning says strict verifiers do: OpenSSL's strict mode refuses a root without basicConstraints.
    const strict = openssl(["verify", "-x509_strict", "-CAfile", "ca.pem", "leaf.pem"], files);
    expect(strict.status).not.toBe(0);
    expect(BASIC_CONSTRAINTS_WARNING).toMatch(/-x509_strict/);
  });

  test("a CA made with basicConstraints (our own) is adopted without the warning flag", async () => {
    const made = await adoptCa({});
    const adopted = await adoptCa({
      adoptCertificatePem: made.certificatePem,
      adoptPrivateKeyPem: made.privateKeyPem,
    });
    expect(adopted.thumbprint).toBe(made.thumbprint);
    expect(adopted.basicConstraintsAbsent).toBe(false);
    expect(adopted.signingKey).toBe(made.signingKey);
  });

  test("re-running with the same adopted CA changes nothing; switching to another is refused at check", async () => {
    const args = { adoptPfx: fx.vendorCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD };
    const ca = await adoptCa(args);
    const again = await check(
      "ca",
      { adoptPfx: fx.vendorCa.pfxAes, adoptPfxPassword: FIXTURE_PASSWORD },
      ca as never,
    );
    expect(again.failures ?? []).toEqual([]);
    expect((await caProvider(env).diff!("id", ca, again.inputs)).changes).toBe(false);
    const other = await check(
      "ca",
      { adoptPfx: fx.otherCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD },
      ca as never,
    );
    expect(other.failures?.map((f) => f.property)).toContain("adoptedThumbprint");
    expect(other.failures?.map((f) => f.reason).join("\n")).toMatch(/new root CA.*generation to 1/s);
  });

  test("adopting in place of a CA made here, or dropping the adopted CA's material, is a change of root", async () => {
    const made = await adoptCa({ rsaBits: 2048 });
    const adoptNow = await check(
      "ca",
      { adoptPfx: fx.vendorCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD },
      made as never,
    );
    expect(adoptNow.failures?.find((f) => f.property === "adoptedThumbprint")?.reason).toMatch(
      /^adoptedThumbprint: adopting the CA [0-9A-F]{40} in place of the one this stack made would make a new root CA/,
    );
    const adopted = await adoptCa({ adoptPfx: fx.vendorCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD });
    const dropped = await check("ca", {}, adopted as never);
    expect(dropped.failures?.map((f) => f.reason)).toEqual([
      expect.stringMatching(
        /leaving out the adopted CA's material .* caPfx .*give back the material.*generation to 1/,
      ),
    ]);
  });

  test.each<[string, () => Props, string, RegExp]>([
    [
      "wrong password",
      () => ({ adoptPfx: fx.vendorCa.pfx3des, adoptPfxPassword: "wrong" }),
      "adoptPfxPassword",
      /password is wrong/,
    ],
    [
      "no password",
      () => ({ adoptPfx: fx.vendorCa.pfx3des }),
      "adoptPfxPassword",
      /missing: adoptPfx needs it/,
    ],
    [
      "garbage base64",
      () => ({ adoptPfx: "not base64 at all!", adoptPfxPassword: "x" }),
      "adoptPfx",
      /not base64.*base64 -w0/,
    ],
    [
      "base64 that is no PFX",
      () => ({ adoptPfx: Buffer.from("hello").toString("base64"), adoptPfxPassword: "x" }),
      "adoptPfx",
      /not a PKCS#12/,
    ],
    [
      "PFX without a key",
      () => ({ adoptPfx: fx.caPfxWithoutKey, adoptPfxPassword: FIXTURE_PASSWORD }),
      "adoptPfx",
      /no private key/,
    ],
    [
      "key not matching",
      () => ({ adoptCertificatePem: fx.vendorCa.certPem, adoptPrivateKeyPem: fx.otherCa.keyPem }),
      "adoptPrivateKeyPem",
      /does not match the certificate/,
    ],
    [
      "PEM certificate without key",
      () => ({ adoptCertificatePem: fx.vendorCa.certPem }),
      "adoptPrivateKeyPem",
      /missing/,
    ],
    [
      "not a certificate",
      () => ({ adoptCertificatePem: "hello", adoptPrivateKeyPem: fx.vendorCa.keyPem }),
      "adoptCertificatePem",
      /not a PEM certificate/,
    ],
    [
      "basicConstraints CA:FALSE",
      () => ({ adoptPfx: fx.notCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD }),
      "adoptPfx",
      /CA:FALSE/,
    ],
    [
      "no keyCertSign",
      () => ({ adoptPfx: fx.noCertSign.pfxAes, adoptPfxPassword: FIXTURE_PASSWORD }),
      "adoptPfx",
      /lacks keyCertSign/,
    ],
    [
      "both PFX and PEM",
      () => ({
        adoptPfx: fx.vendorCa.pfx3des,
        adoptPfxPassword: FIXTURE_PASSWORD,
        adoptCertificatePem: fx.vendorCa.certPem,
        adoptPrivateKeyPem: fx.vendorCa.keyPem,
      }),
      "adoptPfx",
      /not both/,
    ],
    [
      "a key with three primes (PEM): kept whole or refused, never damaged",
      () => ({ adoptCertificatePem: fx.multiPrimeCa.certPem, adoptPrivateKeyPem: fx.multiPrimeCa.keyPem }),
      "adoptPrivateKeyPem",
      /has 3 primes \(a multi-prime key.*cannot be adopted.*two primes/,
    ],
    [
      "a key with three primes (PFX)",
      () => ({ adoptPfx: fx.multiPrimeCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD }),
      "adoptPfx",
      /has 3 primes/,
    ],
    [
      "a commonName beside it",
      () => ({ adoptPfx: fx.vendorCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD, commonName: "Mine" }),
      "commonName",
      /taken from the adopted CA.*remove it/,
    ],
  ])("refused at check: %s", async (_, args, property, reason) => {
    const r = await check("ca", args());
    const failure = r.failures?.find((f) => f.property === property);
    expect(failure?.reason).toMatch(reason);
    expect(failure?.reason.startsWith(`${property}: `)).toBe(true);
    expect(env.keys).toBe(0);
  });

  test("an adopted CA that expires in service does not block the runs that rotate away from it (issue 24, item 6)", async () => {
    const adopted = await adoptCa({ adoptPfx: fx.vendorCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD });
    env.setNow("2040-01-01T00:00:00Z");
    const again = await check(
      "ca",
      { adoptPfx: fx.vendorCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD },
      adopted as never,
    );
    expect(again.failures ?? []).toEqual([]);
  });

  test("the retire leaving the old root's adoption config in place says to remove it (issue 24, item 6)", async () => {
    const next = await adoptCa({ rsaBits: 2048, generation: 1 }); // the rotation's next root, made here
    const r = await check(
      "ca",
      { generation: 1, adoptPfx: fx.vendorCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD },
      next as never,
    );
    const reasons = (r.failures ?? []).map((f) => f.reason).join("\n");
    expect(reasons).toMatch(
      /^adoptedThumbprint: ca \(generation 1\) is the root this stack made \(staged on \S+\), but the adoption config still gives the CA [0-9A-F]{40}\. At a root rotation's retire .*remove the old root's adoption config instead: npm run pulumi -- config rm xprotect-certs:caPfx/,
    );
    expect(reasons).not.toMatch(/generation to 2|give back the material/);
  });

  test("refused at check: expired (the clock is after its notAfter)", async () => {
    env.setNow("2040-01-01T00:00:00Z");
    const r = await check("ca", { adoptPfx: fx.vendorCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD });
    expect(r.failures?.find((f) => f.property === "adoptPfx")?.reason).toMatch(
      /expired on 20\d\d-.*make a new one/,
    );
  });
});

describe("adopting an installed server certificate", () => {
  let ca: CaOutputs;
  beforeEach(async () => {
    ca = await adoptCa({ adoptPfx: fx.vendorCa.pfx3des, adoptPfxPassword: FIXTURE_PASSWORD });
  });
  const adoptArgs = (over: Props = {}) =>
    serverArgs(ca, { adoptPfx: fx.vendorServer.pfx3des, pfxPassword: FIXTURE_PASSWORD, ...over });

  test("kept as is: same thumbprint, no key, a PFX that opens with its password", async () => {
    const r = await check("server", adoptArgs());
    expect(r.failures ?? []).toEqual([]);
    const outs = (await serverProvider(env).create(r.inputs)).outs as ServerOutputs;
    expect(outs.thumbprint).toBe(fx.vendorServer.thumbprint);
    expect(outs.adoptedThumbprint).toBe(fx.vendorServer.thumbprint);
    expect(env.keys).toBe(0);
    const info = openssl(
      ["pkcs12", "-in", "s.pfx", "-passin", `pass:${FIXTURE_PASSWORD}`, "-nokeys", "-clcerts"],
      {
        "s.pfx": Buffer.from(outs.pfx, "base64"),
      },
    );
    expect(new X509Certificate(info.stdout.slice(info.stdout.indexOf("-----BEGIN"))).fingerprint).toBe(
      new X509Certificate(fx.vendorServer.certPem).fingerprint,
    );
    // Unchanged inputs: nothing to do. A changed name: reissued from the CA like any other.
    const same = await check("server", adoptArgs(), r.inputs);
    expect((await serverProvider(env).diff!("id", outs, same.inputs)).changes).toBe(false);
    const renamed = await check(
      "server",
      adoptArgs({ dnsNames: ["rec01.vms.example.local", "rec01"] }),
      r.inputs,
    );
    expect(renamed.failures ?? []).toEqual([]);
    const next = (await serverProvider(env).update!("id", outs, renamed.inputs)).outs as ServerOutputs;
    expect(next.thumbprint).not.toBe(outs.thumbprint);
    expect(env.keys).toBe(1);
    const verified = openssl(["verify", "-purpose", "sslserver", "-CAfile", "ca.pem", "leaf.pem"], {
      "ca.pem": fx.vendorCa.certPem,
      "leaf.pem": next.certificatePem,
    });
    expect(verified.stdout.trim()).toBe("leaf.pem: OK");
  });

  test("after adoption the PFX may leave the config: nothing changes, and the state no longer holds it", async () => {
    const r = await check("server", adoptArgs());
    const outs = (await serverProvider(env).create(r.inputs)).outs as ServerOutputs;
    const without = await check("server", adoptArgs({ adoptPfx: undefined }), r.inputs);
    expect(without.failures ?? []).toEqual([]);
    expect(without.inputs).not.toHaveProperty("adoptPfx");
    expect((await serverProvider(env).diff!("id", outs, without.inputs)).changes).toBe(false);
  });

  test("already due when adopted: a new certificate is issued in the same up, not one up later", async () => {
    // The vendor's server certificate is valid 365 days: 10 days before its end it is inside renewBeforeDays (30).
    const notAfter = Date.parse(new X509Certificate(fx.vendorServer.certPem).validTo);
    const now = notAfter - 10 * 86400_000;
    env.setNow(new Date(now).toISOString());
    const r = await check("server", adoptArgs());
    expect(r.failures ?? []).toEqual([]);
    const outs = (await serverProvider(env).create(r.inputs)).outs as ServerOutputs;
    expect(outs.thumbprint).not.toBe(fx.vendorServer.thumbprint);
    expect(env.keys).toBe(1);
    expect(Date.parse(outs.notAfter)).toBeGreaterThan(notAfter);
    const attime = String(Math.floor(now / 1000));
    const verified = openssl(
      ["verify", "-attime", attime, "-purpose", "sslserver", "-CAfile", "ca.pem", "leaf.pem"],
      {
        "ca.pem": fx.vendorCa.certPem,
        "leaf.pem": outs.certificatePem,
      },
    );
    expect(verified.stdout.trim()).toBe("leaf.pem: OK");
    // The next up has nothing to do.
    const again = await check("server", adoptArgs(), r.inputs);
    expect((await serverProvider(env).diff!("id", outs, again.inputs)).changes).toBe(false);
  });

  test("a certificate with an IPv6 address, issued by this project, can be adopted however the address is written", async () => {
    const issued = await check("server", serverArgs(ca, { ipAddresses: ["fd00::10"] }));
    const original = (await serverProvider(env).create(issued.inputs)).outs as ServerOutputs;
    for (const written of ["fd00::10", "FD00:0:0:0:0:0:0:10", "fd00:0000::0010"]) {
      const r = await check(
        "server",
        serverArgs(ca, { ipAddresses: [written], adoptPfx: original.pfx, pfxPassword: original.pfxPassword }),
      );
      expect(r.failures ?? []).toEqual([]);
      const outs = (await serverProvider(env).create(r.inputs)).outs as ServerOutputs;
      expect(outs.thumbprint).toBe(original.thumbprint);
    }
    const other = await check(
      "server",
      serverArgs(ca, {
        ipAddresses: ["fd00::11"],
        adoptPfx: original.pfx,
        pfxPassword: original.pfxPassword,
      }),
    );
    expect(other.failures?.find((f) => f.property === "ipAddresses")?.reason).toMatch(
      /\["fd00::11"\] differ from the adopted certificate's \["fd00::10"\]/,
    );
  });

  test("due: reissued by the clock like any other", async () => {
    const r = await check("server", adoptArgs());
    const outs = (await serverProvider(env).create(r.inputs)).outs as ServerOutputs;
    env.setNow(new Date(Date.parse(outs.notAfter) - 10 * 86400_000).toISOString());
    const again = await check("server", adoptArgs(), r.inputs);
    expect((await serverProvider(env).diff!("id", outs, again.inputs)).changes).toBe(true);
  });

  test.each<[string, () => Props, string, RegExp]>([
    [
      "issued by another CA",
      () => adoptArgs({ adoptPfx: fx.otherServer.pfx3des }),
      "adoptPfx",
      /not issued by the stack's CA/,
    ],
    ["wrong password", () => adoptArgs({ pfxPassword: "nope" }), "pfxPassword", /password is wrong/],
    ["no password", () => adoptArgs({ pfxPassword: undefined }), "pfxPassword", /missing/],
    ["garbage", () => adoptArgs({ adoptPfx: "%%%" }), "adoptPfx", /not base64/],
    [
      "names that differ",
      () => adoptArgs({ dnsNames: ["rec09.vms.example.local"] }),
      "dnsNames",
      /differ from the adopted certificate's \["rec01.vms.example.local"\]/,
    ],
    ["a key size that differs", () => adoptArgs({ rsaBits: 4096 }), "rsaBits", /2048 bits/],
  ])("refused at check: %s", async (_, args, property, reason) => {
    const r = await check("server", args());
    expect(r.failures?.find((f) => f.property === property)?.reason).toMatch(reason);
    expect(env.keys).toBe(0);
  });
});

describe("refresh (read) recomputes and reports a state edited by hand", () => {
  test("a CA whose thumbprint was edited", async () => {
    const ca = await adoptCa({});
    await expect(caProvider(env).read!(ca.thumbprint, ca)).resolves.toBeDefined();
    await expect(
      caProvider(env).read!(ca.thumbprint, { ...ca, thumbprint: "00".repeat(20) }),
    ).rejects.toThrow(/thumbprint differ.*edited outside Pulumi/);
  });

  test("a server certificate whose notAfter or PFX was edited", async () => {
    const ca = await adoptCa({});
    const r = await check("server", serverArgs(ca));
    const outs = (await serverProvider(env).create(r.inputs)).outs as ServerOutputs;
    const other = (await serverProvider(env).create(r.inputs)).outs as ServerOutputs;
    await expect(serverProvider(env).read!("rec01", outs)).resolves.toBeDefined();
    await expect(
      serverProvider(env).read!("rec01", { ...outs, notAfter: "2099-01-01T00:00:00.000Z" }),
    ).rejects.toThrow(/\(notAfter differ\)/);
    await expect(
      serverProvider(env).read!("rec01", { ...outs, pfx: other.pfx, pfxPassword: other.pfxPassword }),
    ).rejects.toThrow(/pfx differ/);
  });
});

/**
 * An enterprise CA (AD CS) on the real engine, played by an OpenSSL two-tier CA (root, issuing CA, `openssl ca`
 * with a WebServer-like template): rec01 (issuer external) waits for its signature while the rest of the site is
 * issued; each wrong certificate is refused at preview with nothing changed; the signed certificate is taken into a
 * PFX with the intermediate (not the root) that OpenSSL verifies against the root alone and serves in a TLS
 * handshake; renewal makes a new request while the current PFX stays, refuses a certificate for the old request,
 * and switches when the new one lands.
 */
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Ajv2020 from "ajv/dist/2020";
import { repoRoot } from "../../scripts/engine/workspace";
import { siteProgram } from "../../stacks";
import { tempSite, TempSite, TEST_PASSPHRASE } from "../engine/harness";
import { openssl } from "../helpers/openssl";
import { EnterpriseCa, makeEnterpriseCa } from "../helpers/openssl-ca";
import { plaintextLeaks, secretsOf } from "../helpers/secrets";
import { handshakeAt } from "../helpers/tls-openssl";

jest.setTimeout(10 * 60 * 1000);

const HOST = "rec01.corp.example.com";
const SITE = {
  externalRoots: ["certs/corp-root.pem"],
  externalTemplate: "CorpWebServer",
  servers: {
    mgmt01: { role: "managementServer", hostname: "mgmt01.corp.example.com" },
    rec01: { role: "recordingServer", hostname: HOST, issuer: "external" },
  },
};
const SIGNED = {
  ...SITE,
  servers: { ...SITE.servers, rec01: { ...SITE.servers.rec01, signedCertificate: "certs/rec01.pem" } },
};

interface Server {
  thumbprint?: string;
  notAfter?: string;
  issuer?: string;
  certificateRequestPem?: string;
  requestId?: string;
  certificateTemplate?: string;
  slots: Array<{ slot: string; command: string }>;
}
interface Outputs {
  servers: Record<string, Server>;
  pfx: Record<string, string>;
  pfxPasswords: Record<string, string>;
}

let ca: EnterpriseCa;
let elsewhere: EnterpriseCa;
let site: TempSite;
const fileOf = (name: string) => join(site.workDir, "certs", name);
const setSigned = (pem: string) => writeFileSync(fileOf("rec01.pem"), pem);
const outputs = async () => (await site.outputs()) as unknown as Outputs;
/** A command of this repository (dist/scripts/<name>/cli.js) on the site's backend, as npm run would run it. */
function script(name: string, args: string[]): Promise<{ code: number; out: string }> {
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: pathToFileURL(site.backendDir).href,
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    XPROTECT_CERTS_WORKDIR: site.workDir,
  };
  const cli = join(repoRoot(), `dist/scripts/${name}/cli.js`);
  return new Promise((resolve) =>
    execFile(process.execPath, [cli, "--stack", "external", ...args], { env }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, out: stdout + stderr }),
    ),
  );
}
/** stacks/outputs.schema.json, checked by Ajv. */
const schemaErrors = (outputs: unknown) => {
  const validate = new Ajv2020({ allErrors: true }).compile(
    JSON.parse(readFileSync(join(repoRoot(), "stacks/outputs.schema.json"), "utf8")) as object,
  );
  return validate(outputs) ? [] : validate.errors;
};

/** openssl ca's date form. */
const caDate = (d: Date) => d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";

beforeAll(async () => {
  ca = makeEnterpriseCa("Corp");
  elsewhere = makeEnterpriseCa("Elsewhere");
  site = await tempSite({ stackName: "external", program: siteProgram });
  // The inline program runs in this process: its project folder, as npm run up gives it.
  process.env.XPROTECT_CERTS_WORKDIR = site.workDir;
  mkdirSync(join(site.workDir, "certs"));
  writeFileSync(fileOf("corp-root.pem"), ca.rootPem);
  await site.setConfig({ "xprotect-certs:site": { value: JSON.stringify(SITE) } });
});

afterAll(async () => {
  delete process.env.XPROTECT_CERTS_WORKDIR;
  await site?.cleanup();
  ca?.cleanup();
  elsewhere?.cleanup();
});

let firstRequest: { pem: string; id: string };
let firstThumbprint: string;

test("up makes rec01's key and request: awaiting signature, no slots, no PFX; the rest of the site is issued", async () => {
  const up = await site.up();
  expect(up.changeSummary.create).toBe(7); // stack, site, CA, 2 certificates, 2 bindings
  expect(up.stdout).toMatch(/awaiting signature: request [0-9A-F]{16}/);
  const out = (await site.cli(["stack", "output", "--json", "--show-secrets"]).then(JSON.parse)) as Outputs;
  const rec01 = out.servers.rec01;
  expect(rec01.issuer).toBe("external");
  expect(rec01.thumbprint).toBeUndefined();
  expect(rec01.slots).toEqual([]);
  expect(rec01.certificateTemplate).toBe("CorpWebServer");
  expect(Object.keys(out.pfx)).toEqual(["mgmt01"]);
  expect(Object.keys(out.pfxPasswords)).toEqual(["mgmt01"]);
  expect(out.servers.mgmt01.thumbprint).toMatch(/^[0-9A-F]{40}$/);
  // The request, read by OpenSSL: signed by its key, the server's names, critical serverAuth.
  const req = openssl(["req", "-in", "r.csr", "-verify", "-noout", "-text"], {
    "r.csr": rec01.certificateRequestPem!,
  });
  expect(req.status).toBe(0);
  expect(req.stdout).toMatch(new RegExp(`DNS:${HOST.replace(/\./g, "\\.")}`));
  expect(req.stdout).toMatch(/Extended Key Usage: critical\s+TLS Web Server Authentication/);
  firstRequest = { pem: rec01.certificateRequestPem!, id: rec01.requestId! };
  expect(schemaErrors(out)).toEqual([]);

  // The bundle: the request and its certreq command; mgmt01's folder as ever, none for rec01 (nothing to install).
  const dir = join(mkdtempSync(join(tmpdir(), "xpc-requests-")), "bundle");
  const bundled = await script("bundle", ["--all", "--requests", "--out", dir]);
  expect(bundled.out).toMatch(/1 request\(s\) for the enterprise CA \(rec01\)/);
  expect(bundled.code).toBe(0);
  expect(readFileSync(join(dir, "requests", "rec01.csr"), "utf8")).toBe(firstRequest.pem);
  expect(readFileSync(join(dir, "requests", "certreq.txt"), "utf8")).toContain(
    'certreq -submit -attrib "CertificateTemplate:CorpWebServer" rec01.csr rec01.cer\n',
  );
  expect(existsSync(join(dir, "mgmt01", "mgmt01.pfx"))).toBe(true);
  expect(existsSync(join(dir, "rec01"))).toBe(false);
  const named = await script("bundle", ["--server", "rec01", "--out", `${dir}-rec01`]);
  expect(named.code).toBe(2);
  expect(named.out).toMatch(/--server rec01: rec01 awaits its enterprise CA's signature/);
  // The renewals report lists the waiting request with its command.
  const renewals = await script("renewals", []);
  expect(renewals.code).toBe(0);
  expect(renewals.out).toMatch(
    new RegExp(
      `rec01 +${firstRequest.id} .*first certificate \\(none installed\\) +certreq -submit -attrib "CertificateTemplate:CorpWebServer" rec01\\.csr rec01\\.cer`,
    ),
  );

  // The pending key is in the state, encrypted: nothing secret in plaintext.
  const stored = await site.exportState();
  const marked = secretsOf(stored, await site.exportState({ showSecrets: true }));
  expect([...marked].some((x) => x.startsWith("rsa-pq1."))).toBe(true);
  expect(plaintextLeaks(marked, JSON.stringify(stored), site.backendDir)).toEqual([]);

  const again = await site.up();
  expect(again.changeSummary).toEqual({ same: 7 });
  expect((await outputs()).servers.rec01.requestId).toBe(firstRequest.id);
  // A refresh reads the awaiting certificate back as it is.
  expect((await site.refresh()).changeSummary).toEqual({ same: 7 });
});

test.each<[string, () => string, RegExp]>([
  [
    "another key",
    () => ca.sign(ca.foreignRequest([HOST])) + ca.issuingPem,
    /signed for request [0-9A-F]{16}, and the request waiting is/,
  ],
  [
    "a missing SAN",
    () =>
      ca.sign(firstRequest.pem, {
        ignoreRequestExtensions: true,
        extensions: ["subjectAltName = DNS:other.corp.example.com", "extendedKeyUsage = serverAuth"],
      }) + ca.issuingPem,
    /missing \["rec01\.corp\.example\.com"\]/,
  ],
  [
    "an extra SAN",
    () =>
      ca.sign(firstRequest.pem, {
        extensions: [
          `subjectAltName = DNS:${HOST}, DNS:extra.corp.example.com`,
          "extendedKeyUsage = serverAuth",
        ],
      }) + ca.issuingPem,
    /extra \["extra\.corp\.example\.com"\]/,
  ],
  [
    "clientAuth only",
    () => ca.sign(firstRequest.pem, { extensions: ["extendedKeyUsage = clientAuth"] }) + ca.issuingPem,
    /does not allow server authentication/,
  ],
  [
    "expired",
    () =>
      ca.sign(firstRequest.pem, { startDate: "20200101000000Z", endDate: "20210101000000Z" }) + ca.issuingPem,
    /is not valid now/,
  ],
  [
    "a root not in externalRoots",
    () => elsewhere.sign(firstRequest.pem) + elsewhere.issuingPem,
    /does not chain to a root in externalRoots/,
  ],
  [
    "a CA certificate",
    () =>
      ca.sign(firstRequest.pem, {
        ignoreRequestExtensions: true,
        extensions: [
          "basicConstraints = critical, CA:TRUE",
          `subjectAltName = DNS:${HOST}`,
          "extendedKeyUsage = serverAuth",
        ],
      }) + ca.issuingPem,
    /is a CA certificate/,
  ],
  ["a truncated file", () => (ca.sign(firstRequest.pem) + ca.issuingPem).slice(0, 900), /truncated/],
])("refused at preview: %s; nothing changes", async (_what, make, reason) => {
  setSigned(make());
  await site.setConfig({ "xprotect-certs:site": { value: JSON.stringify(SIGNED) } });
  await expect(site.preview()).rejects.toThrow(reason);
  const out = await outputs();
  expect(out.servers.rec01.requestId).toBe(firstRequest.id);
  expect(out.servers.rec01.thumbprint).toBeUndefined();
});

test("the signed certificate is taken: PFX with leaf + intermediate, verified against the root alone, TLS handshake", async () => {
  setSigned(ca.sign(firstRequest.pem) + ca.issuingPem);
  const up = await site.up();
  expect(up.changeSummary).toEqual({ update: 2, same: 5 }); // rec01's certificate and binding
  const out = (await site.cli(["stack", "output", "--json", "--show-secrets"]).then(JSON.parse)) as Outputs;
  const rec01 = out.servers.rec01;
  expect(rec01.thumbprint).toMatch(/^[0-9A-F]{40}$/);
  expect(rec01.certificateRequestPem).toBeUndefined();
  expect(rec01.slots.map((s) => s.slot)).toEqual(["server", "streamingMedia"]);
  expect(rec01.slots[0].command).toContain(`/thumbprint=${rec01.thumbprint}`);
  firstThumbprint = rec01.thumbprint!;

  const pfx = Buffer.from(out.pfx.rec01, "base64");
  const pw = out.pfxPasswords.rec01;
  const leaf = openssl(["pkcs12", "-in", "s.pfx", "-passin", `pass:${pw}`, "-nokeys", "-clcerts"], {
    "s.pfx": pfx,
  }).stdout;
  const chain = openssl(["pkcs12", "-in", "s.pfx", "-passin", `pass:${pw}`, "-nokeys", "-cacerts"], {
    "s.pfx": pfx,
  }).stdout;
  const chainCerts = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  expect(chainCerts.map((c) => new X509Certificate(c).fingerprint256)).toEqual([
    new X509Certificate(ca.issuingPem).fingerprint256,
  ]); // never the root
  expect(new X509Certificate(leaf.slice(leaf.indexOf("-----BEGIN"))).fingerprint.replace(/:/g, "")).toBe(
    rec01.thumbprint,
  );
  const verified = openssl(
    ["verify", "-purpose", "sslserver", "-CAfile", "root.pem", "-untrusted", "chain.pem", "leaf.pem"],
    {
      "root.pem": ca.rootPem,
      "chain.pem": chain,
      "leaf.pem": leaf.slice(leaf.indexOf("-----BEGIN")),
    },
  );
  expect(verified.stdout.trim()).toBe("leaf.pem: OK");
  const tls = await handshakeAt({
    pfxBase64: out.pfx.rec01,
    password: pw,
    rootsPem: [ca.rootPem],
    servername: HOST,
    at: new Date(),
    sendChain: true,
  });
  expect(tls.output).toMatch(/Verification: OK/);
  expect(tls.ok).toBe(true);

  // The intermediate, for the installer's LocalMachine\CA: in the outputs and in rec01's manifest (schema-valid).
  const issuing = new X509Certificate(ca.issuingPem);
  expect((rec01 as { intermediateCaCertificates?: unknown }).intermediateCaCertificates).toEqual([
    { thumbprint: issuing.fingerprint.replace(/:/g, ""), certificateDer: issuing.raw.toString("base64") },
  ]);
  expect(schemaErrors(out)).toEqual([]);
  const dir = join(mkdtempSync(join(tmpdir(), "xpc-signed-")), "bundle");
  expect((await script("bundle", ["--server", "rec01", "--out", dir])).code).toBe(0);
  const manifest = JSON.parse(readFileSync(join(dir, "rec01", "rec01.json"), "utf8")) as Record<
    string,
    unknown
  >;
  expect(manifest.intermediateCaCertificates).toEqual(
    (rec01 as { intermediateCaCertificates?: unknown }).intermediateCaCertificates,
  );
  expect(manifest.thumbprint).toBe(rec01.thumbprint);
  // The enterprise root is listed as external in the outputs, and left out of the bundle (Group Policy owns it).
  const root = new X509Certificate(ca.rootPem).fingerprint.replace(/:/g, "");
  const trusted = (out as unknown as { trustedCaCertificates: Array<{ thumbprint: string; status: string }> })
    .trustedCaCertificates;
  expect(trusted.map((t) => t.status)).toEqual(["active", "external"]);
  expect(trusted[1].thumbprint).toBe(root);
  const inManifest = manifest.trustedCaCertificates as Array<{ thumbprint: string; status: string }>;
  expect(inManifest.map((t) => t.status)).toEqual(["active"]);
  const manifestSchema = new Ajv2020({ allErrors: true }).compile(
    JSON.parse(readFileSync(join(repoRoot(), "scripts/bundle/manifest.schema.json"), "utf8")) as object,
  );
  expect(manifestSchema(manifest) || manifestSchema.errors).toBe(true);

  const again = await site.up();
  expect(again.changeSummary).toEqual({ same: 7 });
  // A refresh checks the signed certificate (read by Node) against its state and PFX: nothing differs.
  expect((await site.refresh()).changeSummary).toEqual({ same: 7 });
});

test("renewal: a new request while the PFX stays; a certificate for the old request is refused; the new one switches", async () => {
  const { notAfter } = (await outputs()).servers.rec01;
  const due = new Date(Date.parse(notAfter!) - 20 * 86400000); // renewBeforeDays 30
  process.env.XPROTECT_CERTS_NOW = due.toISOString();
  site.setEnv({ XPROTECT_CERTS_NOW: due.toISOString() });
  try {
    const before = (await site
      .cli(["stack", "output", "--json", "--show-secrets"])
      .then(JSON.parse)) as Outputs;
    const up = await site.up();
    expect(up.changeSummary).toEqual({ update: 1, same: 6 }); // only rec01's certificate: a new request
    expect(up.stdout).toMatch(/renewal: request [0-9A-F]{16} .* awaits/);
    const pending = (await site
      .cli(["stack", "output", "--json", "--show-secrets"])
      .then(JSON.parse)) as Outputs;
    expect(pending.servers.rec01.thumbprint).toBe(firstThumbprint);
    expect(pending.pfx.rec01).toBe(before.pfx.rec01); // the current PFX stays delivered
    expect(pending.servers.rec01.slots).toEqual(before.servers.rec01.slots);
    const second = pending.servers.rec01.requestId!;
    expect(second).not.toBe(firstRequest.id);
    expect(schemaErrors(pending)).toEqual([]);
    const renewals = await script("renewals", []);
    expect(renewals.out).toMatch(new RegExp(`rec01 +${second} .*renewal \\(current stays\\)`));
    // --apply does not bump a server whose request waits (a bump would replace the request with a new one).
    const stackFile = join(site.workDir, "Pulumi.external.yaml");
    const stackBefore = readFileSync(stackFile, "utf8");
    const applied = await script("renewals", ["--apply"]);
    expect(applied.out).toMatch(
      new RegExp(`rec01 not bumped: its request ${second} waits for the enterprise CA`),
    );
    expect(readFileSync(stackFile, "utf8")).toBe(stackBefore);

    // The first request signed again (valid long enough at this time): refused, naming the request it belongs to.
    const validTo = caDate(new Date(due.getTime() + 400 * 86400000));
    setSigned(ca.sign(firstRequest.pem, { startDate: caDate(new Date()), endDate: validTo }) + ca.issuingPem);
    await expect(site.preview()).rejects.toThrow(
      new RegExp(`signed for request ${firstRequest.id}, and the request waiting is ${second}`),
    );
    expect((await outputs()).servers.rec01.thumbprint).toBe(firstThumbprint);

    setSigned(
      ca.sign(pending.servers.rec01.certificateRequestPem!, {
        startDate: caDate(new Date()),
        endDate: validTo,
      }) + ca.issuingPem,
    );
    const switched = await site.up();
    expect(switched.changeSummary).toEqual({ update: 2, same: 5 });
    const out = (await site.cli(["stack", "output", "--json", "--show-secrets"]).then(JSON.parse)) as Outputs;
    expect(out.servers.rec01.thumbprint).not.toBe(firstThumbprint);
    expect(out.servers.rec01.certificateRequestPem).toBeUndefined();
    const tls = await handshakeAt({
      pfxBase64: out.pfx.rec01,
      password: out.pfxPasswords.rec01,
      rootsPem: [ca.rootPem],
      servername: HOST,
      at: due,
      sendChain: true,
    });
    expect(tls.ok).toBe(true);
    expect((await site.up()).changeSummary).toEqual({ same: 7 });
  } finally {
    delete process.env.XPROTECT_CERTS_NOW;
    site.setEnv({ XPROTECT_CERTS_NOW: undefined });
  }
});

test("switching a server to the enterprise CA keeps its site certificate delivered; switching back issues from the site root", async () => {
  const before = (await site
    .cli(["stack", "output", "--json", "--show-secrets"])
    .then(JSON.parse)) as Outputs;
  const toExternal = {
    ...SIGNED,
    servers: { ...SIGNED.servers, mgmt01: { ...SIGNED.servers.mgmt01, issuer: "external" } },
  };
  await site.setConfig({ "xprotect-certs:site": { value: JSON.stringify(toExternal) } });
  const up = await site.up();
  expect(up.changeSummary).toEqual({ update: 1, same: 6 }); // mgmt01's certificate: a request, nothing else
  const pending = (await site
    .cli(["stack", "output", "--json", "--show-secrets"])
    .then(JSON.parse)) as Outputs;
  expect(pending.servers.mgmt01.thumbprint).toBe(before.servers.mgmt01.thumbprint);
  expect(pending.pfx.mgmt01).toBe(before.pfx.mgmt01);
  expect(pending.servers.mgmt01.requestId).toMatch(/^[0-9A-F]{16}$/);
  expect(pending.servers.mgmt01.issuer).toBe("external");

  await site.setConfig({ "xprotect-certs:site": { value: JSON.stringify(SIGNED) } });
  const back = await site.up();
  expect(back.changeSummary).toEqual({ update: 2, same: 5 }); // a new certificate from the site root, its binding
  const out = (await site
    .cli(["stack", "output", "--json", "--show-secrets"])
    .then(JSON.parse)) as Outputs & {
    caThumbprint: string;
  };
  expect(out.servers.mgmt01.thumbprint).not.toBe(before.servers.mgmt01.thumbprint);
  expect(out.servers.mgmt01.issuer).toBeUndefined();
  expect(out.servers.mgmt01.certificateRequestPem).toBeUndefined();
  const leaf = openssl(
    ["pkcs12", "-in", "s.pfx", "-passin", `pass:${out.pfxPasswords.mgmt01}`, "-nokeys", "-clcerts"],
    { "s.pfx": Buffer.from(out.pfx.mgmt01, "base64") },
  ).stdout;
  const issuer = new X509Certificate(leaf.slice(leaf.indexOf("-----BEGIN"))).issuer;
  expect(issuer).toMatch(/CN=VMS Certificate Authority/);
});

/**
 * A clustered management server on the real engine: a two-node management server and a recording server. The
 * management certificate names the cluster and both nodes (read by OpenSSL and by Node's X509Certificate); the
 * identity provider's data-protection certificate chains to the site's root (openssl verify), has an RSA key and
 * keyEncipherment; once it is due (XPROTECT_CERTS_NOW), `up` reissues it alone, touching no other certificate.
 */
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { siteProgram } from "../../stacks";
import { manifestProblems } from "../../scripts/bundle/validate";
import { TEST_PASSPHRASE, tempSite, TempSite } from "../engine/harness";
import { openssl } from "../helpers/openssl";

jest.setTimeout(15 * 60 * 1000);
const DAY = 86_400_000;
const CLUSTER = "vms.corp.example.com";
const NODES = ["mgmt-a.corp.example.com", "mgmt-b.corp.example.com"];

interface Idp {
  thumbprint: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  renewalDue: string;
}
interface Outputs {
  caCertificatePem: string;
  servers: Record<
    string,
    { thumbprint: string; dnsNames: string[]; clusterNodes?: string[]; identityProviderCertificate?: Idp }
  >;
  pfx: Record<string, string>;
  pfxPasswords: Record<string, string>;
  identityProviderPfx?: Record<string, string>;
  identityProviderPfxPasswords?: Record<string, string>;
}

const siteConfig = (generation = 0) => ({
  ca: { commonName: "Cluster Test CA", rsaBits: 2048, validityDays: 3650 },
  defaults: { validityDays: 100, renewBeforeDays: 10, generation },
  servers: {
    mgmt: { role: "managementServer", hostname: CLUSTER, clusterNodes: NODES },
    rec01: { role: "recordingServer", hostname: "rec01.corp.example.com" },
  },
});

let site: TempSite;
let now = new Date();
function setNow(d: Date): void {
  now = d;
  site.setEnv({ XPROTECT_CERTS_NOW: d.toISOString() });
  process.env.XPROTECT_CERTS_NOW = d.toISOString();
}
const setSite = (s: Record<string, unknown>) =>
  site.setConfig({ "xprotect-certs:site": { value: JSON.stringify(s) } });

/** The leaf certificate of a PFX, PEM, as OpenSSL reads it. */
function leafOf(pfxBase64: string, password: string): string {
  const r = openssl(["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nokeys", "-clcerts"], {
    "s.pfx": Buffer.from(pfxBase64, "base64"),
    pw: password,
  });
  expect(r.status).toBe(0);
  return r.stdout.slice(r.stdout.indexOf("-----BEGIN CERTIFICATE-----"));
}
const idpLeaf = (o: Outputs) => leafOf(o.identityProviderPfx!.mgmt, o.identityProviderPfxPasswords!.mgmt);
const x509 = (leaf: string, ext: string) =>
  openssl(["x509", "-in", "leaf.pem", "-noout", "-ext", ext], { "leaf.pem": leaf }).stdout;
const verify = (o: Outputs, leaf: string) =>
  openssl(
    ["verify", "-attime", String(Math.floor(now.getTime() / 1000)), "-CAfile", "root.pem", "leaf.pem"],
    { "root.pem": o.caCertificatePem, "leaf.pem": leaf },
  ).stdout.trim();
const thumbprints = (o: Outputs) => ({
  mgmt: o.servers.mgmt.thumbprint,
  rec01: o.servers.rec01.thumbprint,
  idp: o.servers.mgmt.identityProviderCertificate?.thumbprint,
});

beforeAll(async () => {
  site = await tempSite({ stackName: "cluster", program: siteProgram });
  setNow(new Date());
});
afterAll(async () => {
  delete process.env.XPROTECT_CERTS_NOW;
  await site?.cleanup();
});

let first: Outputs;

test("up: one management certificate for the cluster and both nodes, and an identity provider certificate", async () => {
  await setSite(siteConfig());
  const r = await site.up();
  // The stack, the component, the CA, two certificates and their bindings, the identity provider certificate.
  expect(r.changeSummary).toEqual({ create: 8 });
  first = r.outputs as unknown as Outputs;
  expect(first.servers.mgmt.clusterNodes).toEqual(NODES);
  expect(first.servers.rec01.clusterNodes).toBeUndefined();
  expect(first.servers.rec01.identityProviderCertificate).toBeUndefined();

  const mgmt = leafOf(first.pfx.mgmt, first.pfxPasswords.mgmt);
  expect(x509(mgmt, "subjectAltName")).toContain(`DNS:${CLUSTER}, DNS:${NODES[0]}, DNS:${NODES[1]}\n`);
  expect(new X509Certificate(mgmt).subjectAltName).toBe(
    [CLUSTER, ...NODES].map((n) => `DNS:${n}`).join(", "),
  );
  expect(verify(first, mgmt)).toBe("leaf.pem: OK");
});

test("the identity provider certificate: from the site's root, RSA, keyEncipherment, in its own PFX", () => {
  const idp = idpLeaf(first);
  expect(verify(first, idp)).toBe("leaf.pem: OK");
  expect(x509(idp, "keyUsage")).toMatch(/Digital Signature, Key Encipherment/);
  const cert = new X509Certificate(idp);
  expect(cert.publicKey.asymmetricKeyType).toBe("rsa");
  expect(cert.fingerprint.replace(/:/g, "")).toBe(first.servers.mgmt.identityProviderCertificate!.thumbprint);
  expect(cert.serialNumber.toUpperCase()).toBe(first.servers.mgmt.identityProviderCertificate!.serialNumber);
  // Its own key: not the management certificate's.
  const mgmt = new X509Certificate(leafOf(first.pfx.mgmt, first.pfxPasswords.mgmt));
  expect(cert.publicKey.export({ format: "der", type: "spki" })).not.toEqual(
    mgmt.publicKey.export({ format: "der", type: "spki" }),
  );
  expect(first.identityProviderPfxPasswords!.mgmt).not.toBe(first.pfxPasswords.mgmt);
});

test("npm run bundle: a folder per node (its first label) with both PFX and a manifest naming the node", async () => {
  const out = mkdtempSync(join(tmpdir(), "xpc-cluster-bundle-"));
  try {
    const env = {
      ...process.env,
      PULUMI_BACKEND_URL: pathToFileURL(site.backendDir).href,
      PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
      XPROTECT_CERTS_WORKDIR: site.workDir,
    };
    const cli = join(__dirname, "../../dist/scripts/bundle/cli.js");
    const dir = join(out, "b");
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [cli, "--stack", site.stackName, "--all", "--out", dir],
        { env },
        (e, o, err) => (e ? reject(new Error(err)) : resolve(o)),
      ),
    );
    expect(stdout).toContain("enable order: mgmt-a, mgmt-b, rec01");
    expect(readdirSync(dir).sort()).toEqual(["mgmt-a", "mgmt-b", "order.txt", "rec01"]);
    expect(readFileSync(join(dir, "order.txt"), "utf8")).toBe("mgmt-a\nmgmt-b\nrec01\n");
    const idp = first.servers.mgmt.identityProviderCertificate!;
    NODES.forEach((node, i) => {
      const folder = join(dir, ["mgmt-a", "mgmt-b"][i]);
      const label = ["mgmt-a", "mgmt-b"][i];
      const caFile = `ca-${new X509Certificate(first.caCertificatePem).fingerprint.replace(/:/g, "")}.cer`;
      expect(readdirSync(folder).sort()).toEqual([
        caFile,
        `${label}.json`,
        "mgmt-identity-provider.pfx",
        "mgmt.pfx",
      ]);
      const m = JSON.parse(readFileSync(join(folder, `${label}.json`), "utf8")) as Record<string, never>;
      expect(manifestProblems(m)).toEqual([]);
      expect(m).toMatchObject({
        server: "mgmt",
        hostname: node,
        clusterName: CLUSTER,
        clusterNodes: NODES,
        thumbprint: first.servers.mgmt.thumbprint,
        pfxFile: "mgmt.pfx",
        identityProvider: { pfxFile: "mgmt-identity-provider.pfx", thumbprint: idp.thumbprint },
      });
      const ip = m.identityProvider as { pfxPassword: string };
      // Each PFX opens (OpenSSL) with its manifest's password and holds the certificate the manifest names.
      const leaf = leafOf(
        readFileSync(join(folder, "mgmt-identity-provider.pfx")).toString("base64"),
        ip.pfxPassword,
      );
      expect(new X509Certificate(leaf).fingerprint.replace(/:/g, "")).toBe(idp.thumbprint);
      const server = leafOf(readFileSync(join(folder, "mgmt.pfx")).toString("base64"), m.pfxPassword);
      expect(new X509Certificate(server).fingerprint.replace(/:/g, "")).toBe(first.servers.mgmt.thumbprint);
    });
    const rec = JSON.parse(readFileSync(join(dir, "rec01", "rec01.json"), "utf8")) as Record<string, unknown>;
    expect(rec.identityProvider).toBeUndefined();
    expect(rec.clusterName).toBeUndefined();
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("once due, up reissues the identity provider certificate alone", async () => {
  // Renew the server certificates early (a generation bump), so that only the identity provider's is due later.
  setNow(new Date(now.getTime() + 30 * DAY));
  await setSite(siteConfig(1));
  const bumped = (await site.up()).outputs as unknown as Outputs;
  expect(thumbprints(bumped).idp).toBe(thumbprints(first).idp);
  expect(bumped.servers.mgmt.thumbprint).not.toBe(first.servers.mgmt.thumbprint);

  const due = Date.parse(bumped.servers.mgmt.identityProviderCertificate!.renewalDue);
  setNow(new Date(due + DAY));
  const preview = await site.preview();
  expect(preview.changeSummary).toEqual({ update: 1, same: 7 });
  const r = await site.up();
  expect(r.changeSummary).toEqual({ update: 1, same: 7 });
  const renewed = r.outputs as unknown as Outputs;
  expect(renewed.servers.mgmt.thumbprint).toBe(bumped.servers.mgmt.thumbprint);
  expect(renewed.servers.rec01.thumbprint).toBe(bumped.servers.rec01.thumbprint);
  expect(renewed.servers.mgmt.identityProviderCertificate!.thumbprint).not.toBe(thumbprints(bumped).idp);
  const idp = idpLeaf(renewed);
  expect(new X509Certificate(idp).fingerprint.replace(/:/g, "")).toBe(
    renewed.servers.mgmt.identityProviderCertificate!.thumbprint,
  );
  expect(verify(renewed, idp)).toBe("leaf.pem: OK");
  expect(Date.parse(renewed.servers.mgmt.identityProviderCertificate!.notAfter)).toBeGreaterThan(
    Date.parse(bumped.servers.mgmt.identityProviderCertificate!.notAfter),
  );
});

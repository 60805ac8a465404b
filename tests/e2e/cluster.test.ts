/**
 * A clustered management server on the real engine: a two-node management server and a recording server. The
 * management certificate names the cluster and both nodes (read by OpenSSL and by Node's X509Certificate); the
 * identity provider's data-protection certificate chains to the site's root (openssl verify), has an RSA key and
 * keyEncipherment; once it is due (XPROTECT_CERTS_NOW), `up` reissues it alone, touching no other certificate.
 */
import { X509Certificate } from "node:crypto";
import { siteProgram } from "../../stacks";
import { tempSite, TempSite } from "../engine/harness";
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

/**
 * A clustered management server whose certificate an enterprise CA signs (issuer external), on the real engine:
 * the management server waits for its signature (a request naming the cluster and both nodes), while its
 * identity provider certificate is issued at once from the site's root (README, "Clustered management server").
 */
import { X509Certificate } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { siteProgram } from "../../stacks";
import { tempSite, TempSite } from "../engine/harness";
import { openssl } from "../helpers/openssl";
import { EnterpriseCa, makeEnterpriseCa } from "../helpers/openssl-ca";

jest.setTimeout(5 * 60 * 1000);

const NODES = ["mgmt-a.corp.example.com", "mgmt-b.corp.example.com"];
const SITE = {
  externalRoots: ["certs/corp-root.pem"],
  servers: {
    mgmt: {
      role: "managementServer",
      hostname: "vms.corp.example.com",
      clusterNodes: NODES,
      issuer: "external",
    },
    rec01: { role: "recordingServer", hostname: "rec01.corp.example.com" },
  },
};

let ca: EnterpriseCa;
let site: TempSite;

beforeAll(async () => {
  ca = makeEnterpriseCa("Corp");
  site = await tempSite({ stackName: "clusterext", program: siteProgram });
  process.env.XPROTECT_CERTS_WORKDIR = site.workDir;
  mkdirSync(join(site.workDir, "certs"));
  writeFileSync(join(site.workDir, "certs", "corp-root.pem"), ca.rootPem);
  await site.setConfig({ "xprotect-certs:site": { value: JSON.stringify(SITE) } });
});

afterAll(async () => {
  delete process.env.XPROTECT_CERTS_WORKDIR;
  await site?.cleanup();
  ca?.cleanup();
});

test("the management server awaits its signature; its identity provider certificate comes from the site's root", async () => {
  const up = await site.up();
  const out = up.outputs as {
    caCertificatePem: string;
    servers: Record<
      string,
      {
        issuer?: string;
        thumbprint?: string;
        certificateRequestPem?: string;
        identityProviderCertificate?: { thumbprint: string };
      }
    >;
    identityProviderPfx: Record<string, string>;
    identityProviderPfxPasswords: Record<string, string>;
  };
  const mgmt = out.servers.mgmt;
  expect(mgmt.issuer).toBe("external");
  expect(mgmt.thumbprint).toBeUndefined();
  // The request names the cluster first, then both nodes (OpenSSL reads it).
  const req = openssl(["req", "-noout", "-text", "-in", "r.csr"], { "r.csr": mgmt.certificateRequestPem! });
  expect(req.status).toBe(0);
  expect(req.stdout).toMatch(
    /DNS:vms\.corp\.example\.com, DNS:mgmt-a\.corp\.example\.com, DNS:mgmt-b\.corp\.example\.com/,
  );

  const pfx = openssl(["pkcs12", "-in", "i.pfx", "-passin", "file:pw", "-nokeys", "-clcerts"], {
    "i.pfx": Buffer.from(out.identityProviderPfx.mgmt, "base64"),
    pw: out.identityProviderPfxPasswords.mgmt,
  });
  expect(pfx.status).toBe(0);
  const idp = new X509Certificate(pfx.stdout);
  expect(idp.fingerprint.replace(/:/g, "")).toBe(mgmt.identityProviderCertificate!.thumbprint);
  const verify = openssl(["verify", "-CAfile", "root.pem", "idp.pem"], {
    "root.pem": out.caCertificatePem,
    "idp.pem": pfx.stdout,
  });
  expect(verify.stdout.trim()).toBe("idp.pem: OK");

  const again = await site.preview();
  // An awaiting server's binding is no phantom update at every preview.
  expect(again.changeSummary).toEqual({ same: up.changeSummary.create });
});

/**
 * The site config of an enterprise CA, checked before anything is registered: issuer external needs its roots,
 * the fields belong to it, a root must be a CA certificate, the template a name, and files the config names are
 * read from the project folder (PEM as it is, a DER .cer as PEM), a missing one named with its path and fix.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSite } from "../../provider/site/config";
import { readSiteFiles } from "../../stacks/files";
import { openssl } from "../helpers/openssl";
import { makeEnterpriseCa } from "../helpers/openssl-ca";

const ca = makeEnterpriseCa("Config");
afterAll(() => ca.cleanup());

const site = (rec01: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...extra,
  servers: { rec01: { role: "recordingServer", hostname: "rec01.corp.example.com", ...rec01 } },
});
const failuresOf = (raw: unknown) => parseSite(raw).failures.map((f) => `${f.field}: ${f.reason}`);

test("issuer external with its roots is a site; the server carries issuer and the site its template", () => {
  const r = parseSite(site({ issuer: "external" }, { externalRoots: [ca.rootPem] }));
  expect(r.failures).toEqual([]);
  expect(r.site!.servers[0].issuer).toBe("external");
  expect(r.site!.externalTemplate).toBe("WebServer");
  expect(r.site!.externalRoots).toEqual([ca.rootPem]);
});

test("issuer external in defaults applies to every server", () => {
  const r = parseSite({ ...site({}, { externalRoots: [ca.rootPem] }), defaults: { issuer: "external" } });
  expect(r.site!.servers[0].issuer).toBe("external");
});

test.each<[string, unknown, RegExp]>([
  [
    "issuer external without roots",
    site({ issuer: "external" }),
    /^externalRoots: missing: issuer "external" needs the enterprise root/,
  ],
  [
    "an issuer that is not one",
    site({ issuer: "acme" }, { externalRoots: [ca.rootPem] }),
    /^servers\.rec01\.issuer: "acme" is not allowed: use one of "site", "external"/,
  ],
  [
    "signedCertificate without issuer external",
    site({ signedCertificate: ca.issuingPem }),
    /^servers\.rec01\.signedCertificate: is only for a certificate an enterprise CA signs: set issuer to "external"/,
  ],
  [
    "a truncated signedCertificate",
    site(
      { issuer: "external", signedCertificate: ca.issuingPem.slice(0, 200) },
      { externalRoots: [ca.rootPem] },
    ),
    /^servers\.rec01\.signedCertificate: is truncated/,
  ],
  [
    "a root that is not a CA certificate",
    site({ issuer: "external" }, { externalRoots: [leafPem()] }),
    /^externalRoots\[0\]: "CN=leaf\.example\.com" is not a CA certificate/,
  ],
  [
    "a template name with a space",
    site({ issuer: "external" }, { externalRoots: [ca.rootPem], externalTemplate: "Web Server" }),
    /^externalTemplate: string "Web Server" is not an AD CS template name/,
  ],
  [
    "a signedCertificate that is not text",
    site({ issuer: "external", signedCertificate: 3 }, { externalRoots: [ca.rootPem] }),
    /^servers\.rec01\.signedCertificate: number 3 is not a certificate/,
  ],
  [
    "externalRoots that is not a list",
    site({ issuer: "external" }, { externalRoots: "certs/corp-root.pem" }),
    /^externalRoots: string "certs\/corp-root\.pem" is not a list: write the enterprise root files as a list/,
  ],
])("refused: %s", (_what, raw, reason) => {
  expect(failuresOf(raw).join("\n")).toMatch(reason);
});

function leafPem(): string {
  const r = openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "/dev/null",
    "-subj",
    "/CN=leaf.example.com",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
    "-days",
    "30",
  ]);
  return r.stdout;
}

test("files: paths relative to the project folder; PEM as written, DER as PEM; a missing file named with its fix", () => {
  const dir = mkdtempSync(join(tmpdir(), "xpc-project-"));
  writeFileSync(join(dir, "root.pem"), ca.rootPem);
  writeFileSync(join(dir, "rec01.cer"), derOf(ca.issuingPem));
  const read = readSiteFiles(
    site({ issuer: "external", signedCertificate: "rec01.cer" }, { externalRoots: ["root.pem"] }),
    dir,
  );
  expect(read.failures).toEqual([]);
  const got = read.site as { externalRoots: string[]; servers: { rec01: { signedCertificate: string } } };
  expect(got.externalRoots).toEqual([ca.rootPem]);
  expect(got.servers.rec01.signedCertificate.replace(/\s/g, "")).toBe(ca.issuingPem.replace(/\s/g, ""));

  const missing = readSiteFiles(site({ issuer: "external", signedCertificate: "certs/none.pem" }), dir);
  expect(missing.failures).toEqual([
    {
      server: "rec01",
      field: "servers.rec01.signedCertificate",
      reason: expect.stringMatching(
        /^"certs\/none\.pem" does not exist \(.*certs\/none\.pem\): paths are relative to the project folder .* leave signedCertificate out until the request is signed$/,
      ),
    },
  ]);
});

/** DER of a PEM certificate. */
function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s/g, ""), "base64");
}

/**
 * @pulumi/tls interop with Pulumi's mocks (the tls provider's plugin cannot be installed on these machines).
 * The mocks stand in for the tls provider as it behaves (a real RSA key; a self-signed CA certificate made by
 * OpenSSL with that key), and run OUR providers' real check and create for our resources, so the hand-over is
 * proved end to end: the adopted CA keeps the tls certificate's thumbprint and signs rec01 (openssl verify).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the mocks pass untyped resource inputs */
import { createHash, generateKeyPairSync, X509Certificate } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { providers } from "../../provider/runtime";
import { openssl } from "../helpers/openssl";
import { tlsHandOverProgram } from "./tls-program";

const registered: string[] = [];

/** Mocks hand secret inputs over as {<signature>, value} objects: the providers see plain values. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const unwrap = (inputs: Record<string, any>): Record<string, any> =>
  Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [k, v && typeof v === "object" && SECRET_SIG in v ? v.value : v]),
  );

async function ourResource(kind: "ca" | "server", inputs: Record<string, unknown>) {
  const news = { ...inputs };
  delete news.__provider;
  for (const k of Object.keys(news)) if (news[k] === undefined) delete news[k];
  const checked = await providers[kind].check!({}, news);
  if (checked.failures?.length) throw new Error(checked.failures.map((f) => f.reason).join("; "));
  return providers[kind].create(checked.inputs);
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        registered.push(args.type);
        const i = unwrap(args.inputs);
        if (args.type === "tls:index/privateKey:PrivateKey") {
          const { privateKey } = generateKeyPairSync("rsa", { modulusLength: i.rsaBits });
          return {
            id: args.name,
            state: { ...i, privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }) },
          };
        }
        if (args.type === "tls:index/selfSignedCert:SelfSignedCert") {
          const made = openssl(
            [
              "req",
              "-x509",
              "-key",
              "k.pem",
              "-subj",
              `/CN=${i.subject.commonName}/O=${i.subject.organization}`,
              "-days",
              String(i.validityPeriodHours / 24),
              "-addext",
              "basicConstraints=critical,CA:TRUE",
              "-addext",
              "keyUsage=critical,keyCertSign,cRLSign",
            ],
            { "k.pem": i.privateKeyPem },
          );
          return { id: args.name, state: { ...i, certPem: made.stdout } };
        }
        const kind = args.type.endsWith(":CaCertificate") ? "ca" : "server";
        const r = await ourResource(kind, i);
        return { id: r.id, state: r.outs };
      },
      call: () => ({}),
    },
    "xprotect-certs",
    "tls",
  );
});

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

test("a CA made with @pulumi/tls is handed to CaCertificate: same certificate, and it signs the servers", async () => {
  const { ca, caCert, rec01 } = tlsHandOverProgram();
  const [tlsPem, thumbprint, adopted, bc, leafPem] = await Promise.all([
    value(caCert.certPem),
    value(ca.thumbprint),
    value(ca.adopted),
    value(ca.basicConstraintsAbsent),
    value(rec01.certificatePem),
  ]);
  expect(thumbprint).toBe(
    createHash("sha1").update(new X509Certificate(tlsPem).raw).digest("hex").toUpperCase(),
  );
  expect(adopted).toBe(true);
  expect(bc).toBe(false);
  const verified = openssl(
    ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", "ca.pem", "leaf.pem"],
    {
      "ca.pem": tlsPem,
      "leaf.pem": leafPem,
    },
  );
  expect(verified.stdout.trim()).toBe("leaf.pem: OK");
  expect(registered).toEqual(
    expect.arrayContaining([
      "tls:index/privateKey:PrivateKey",
      "tls:index/selfSignedCert:SelfSignedCert",
      "pulumi-nodejs:dynamic/xprotect-certs:CaCertificate",
      "pulumi-nodejs:dynamic/xprotect-certs:ServerCertificate",
    ]),
  );
});

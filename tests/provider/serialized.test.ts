/**
 * The providers as the engine runs them: the `__provider` module text our resources store, loaded the way the
 * dynamic-provider host loads it (require-from-string, in the folder of Pulumi.yaml's `main`), then
 * check/create/diff run through the loaded copy.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { providerModule, ProviderKind } from "../../provider/dynamic";

// The same module the host uses, resolved from @pulumi/pulumi's own location.
const requireFromString: (code: string) => { handler: () => pulumi.dynamic.ResourceProvider } = require(
  require.resolve("require-from-string", {
    paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))],
  }),
);

async function roundTrip(kind: ProviderKind) {
  const text = providerModule(kind);
  return { text, provider: requireFromString(text).handler() };
}

describe("the serialized providers", () => {
  test.each<ProviderKind>(["ca", "server", "binding"])("%s: small, capturing only a loader", async (kind) => {
    const { text } = await roundTrip(kind);
    expect(text.length).toBeLessThan(400);
    // By the package's name (its exports map), never by looking for a dist/ folder above the working folder.
    expect(text).toContain('"xprotect-certs/runtime"');
    expect(text).not.toContain("dist/");
    expect(text).not.toContain("dirname");
    expect(text).not.toContain("delete");
    expect(text).not.toMatch(/BEGIN (RSA )?PRIVATE KEY/);
    console.log(`serialized ${kind} provider: ${text.length} bytes`);
  });

  // The engine runs the provider process in the folder of Pulumi.yaml's `main`, dist/stacks: do the same.
  const cwd = process.cwd();
  beforeAll(() => process.chdir(path.join(__dirname, "../../dist/stacks")));
  afterAll(() => process.chdir(cwd));

  test("check, create and diff run through the deserialized copies", async () => {
    const ca = (await roundTrip("ca")).provider;
    const server = (await roundTrip("server")).provider;
    const binding = (await roundTrip("binding")).provider;

    const caInputs = (await ca.check!({}, { commonName: "Serialized CA" })).inputs;
    const caOuts = (await ca.create(caInputs)).outs;
    expect(caOuts.subject).toBe("CN=Serialized CA");

    const bad = await server.check!(
      {},
      {
        caCertificatePem: caOuts.certificatePem,
        caSigningKey: caOuts.signingKey,
        dnsNames: ["bad name"],
      },
    );
    expect(bad.failures?.[0].property).toBe("dnsNames[0]");

    const args = {
      caCertificatePem: caOuts.certificatePem,
      caSigningKey: caOuts.signingKey,
      dnsNames: ["rec01.example.local"],
    };
    const inputs = (await server.check!({}, args)).inputs;
    const created = await server.create(inputs);
    expect(created.outs.subject).toBe("CN=rec01.example.local");
    expect((await server.diff!(created.id, created.outs, inputs)).changes).toBe(false);
    const renamed = (await server.check!({}, { ...args, dnsNames: ["rec01.example.local", "rec01"] })).inputs;
    expect((await server.diff!(created.id, created.outs, renamed)).changes).toBe(true);

    const b = (
      await binding.check!(
        {},
        {
          role: "managementServer",
          hostname: "rec01.example.local",
          thumbprint: created.outs.thumbprint,
          notAfter: created.outs.notAfter,
          certificateDnsNames: created.outs.dnsNames,
        },
      )
    ).inputs;
    expect((await binding.create(b)).outs.serviceName).toBe("Milestone XProtect Management Server");
  });
});

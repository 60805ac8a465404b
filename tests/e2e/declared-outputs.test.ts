/**
 * Every output a resource class declares is registered, and filled by the provider, when the program gives only
 * the required arguments (CaCertificate: none; ServerCertificate: ca and dnsNames; CertificateBinding:
 * certificate, role and hostname). An output whose key the constructor does not pass stays undefined whatever
 * the provider returns (e.g. a binding's `slots`, with its Server Configurator commands). The declared outputs
 * are read from the classes' source, so that a new output is checked without touching this test.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CaCertificate, CertificateBinding, ServerCertificate } from "../../provider";
import { EXTERNAL_OUTPUTS, ISSUED_OUTPUTS } from "../../provider/server/resource";
import { makeEnterpriseCa } from "../helpers/openssl-ca";
import { tempSite, TempSite } from "../engine/harness";

/** The `public readonly x: pulumi.Output<...>` fields of a resource class (provider/<kind>/resource.ts). */
function declaredOutputs(kind: string): string[] {
  const text = readFileSync(path.join(__dirname, "../../provider", kind, "resource.ts"), "utf8");
  const names = [...text.matchAll(/public readonly (\w+)!?: pulumi\.Output</g)].map((m) => m[1]);
  expect(names.length).toBeGreaterThan(5);
  return names;
}

const DECLARED = {
  ca: declaredOutputs("ca"),
  server: declaredOutputs("server"),
  binding: declaredOutputs("binding"),
};

const pick = (r: object, names: string[]) =>
  Object.fromEntries(names.map((n) => [n, (r as Record<string, pulumi.Output<unknown> | undefined>)[n]]));

let site: TempSite;
afterAll(() => site?.cleanup());

test("minimal arguments: every declared output is present after up", async () => {
  site = await tempSite({
    program: async () => {
      const ca = new CaCertificate("minimal-ca", {}, { protect: false });
      const certificate = new ServerCertificate("minimal", { ca, dnsNames: ["minimal.vms.example.local"] });
      const binding = new CertificateBinding("minimal", {
        certificate,
        role: "recordingServer",
        hostname: "minimal.vms.example.local",
      });
      return {
        ca: pick(ca, DECLARED.ca),
        server: pick(certificate, DECLARED.server),
        binding: pick(binding, DECLARED.binding),
      };
    },
  });
  const { outputs } = await site.up();
  for (const [kind, names] of Object.entries(DECLARED)) {
    const got = outputs[kind] as Record<string, unknown>;
    // A certificate from the site's root has none of the external issuer's outputs (its state is as before).
    const expected = kind === "server" ? names.filter((n) => !EXTERNAL_OUTPUTS.includes(n)) : names;
    const missing = expected.filter((n) => got[n] === undefined || got[n] === null);
    expect({ kind, missing }).toEqual({ kind, missing: [] });
    const extra = names.filter((n) => !expected.includes(n) && got[n] !== undefined);
    expect({ kind, extra }).toEqual({ kind, extra: [] });
  }
  const binding = outputs.binding as {
    slots: Array<{ slot: string; command: string }>;
    serviceAccount: string;
  };
  const thumbprint = (outputs.server as { thumbprint: string }).thumbprint;
  // The role's default slots, each with its command.
  expect(binding.slots.map((s) => s.slot)).toEqual(["server", "streamingMedia"]);
  for (const s of binding.slots) expect(s.command).toContain(`/thumbprint=${thumbprint}`);
  expect(binding.serviceAccount).toBe("NT AUTHORITY\\NETWORK SERVICE");
  expect((outputs.server as { ipAddresses: string[] }).ipAddresses).toEqual([]);
  expect((outputs.ca as { friendlyName: string }).friendlyName).toBe("VMS CA Certificate");
}, 120000);

test("minimal arguments of an external issuer: awaiting signature, every declared output but the signed ones", async () => {
  const enterprise = makeEnterpriseCa("Declared");
  const external = await tempSite({
    stackName: "external",
    program: async () => {
      const certificate = new ServerCertificate("minimal", {
        dnsNames: ["minimal.vms.example.local"],
        issuer: "external",
        externalRoots: [enterprise.rootPem],
      });
      return { server: pick(certificate, DECLARED.server) };
    },
  });
  try {
    const { outputs } = await external.up();
    const got = outputs.server as Record<string, unknown>;
    // Awaiting: nothing signed yet (no certificate, PFX, dates or intermediates), renewalDue follows notAfter.
    const unsigned = [...ISSUED_OUTPUTS, "chainPem", "renewalDue"];
    const expected = DECLARED.server.filter((n) => !unsigned.includes(n));
    expect(expected).toEqual(
      expect.arrayContaining(["issuer", "certificateRequestPem", "requestId", "requestedAt"]),
    );
    expect(expected.filter((n) => got[n] === undefined || got[n] === null)).toEqual([]);
    expect(
      DECLARED.server.filter((n) => unsigned.includes(n) && got[n] !== undefined && got[n] !== null),
    ).toEqual([]);
  } finally {
    await external.cleanup();
    enterprise.cleanup();
  }
}, 120000);

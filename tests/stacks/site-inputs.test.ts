/**
 * XProtectSite with values from other resources (Pulumi's mocks): names, addresses and settings given as outputs
 * reach the children as given (the providers check them at preview), a plain field given an output is a
 * SiteConfigError naming it, and two sites may share a server name (children `<site>-<server>`).
 */
import * as pulumi from "@pulumi/pulumi";
import { SiteConfigError, XProtectSite } from "../../provider/site";
import type { Role, Slot } from "../../provider/xprotect/roles";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type.split(":").pop()!, name: args.name, inputs: args.inputs });
        return {
          id: args.name,
          state: { ...args.inputs, thumbprint: "AB".repeat(20), notAfter: "2030-01-01T00:00:00.000Z" },
        };
      },
      call: () => ({}),
    },
    "xprotect-certs",
    "inputs",
  );
});
beforeEach(() => {
  registered.length = 0;
});

/** Resolves an output (all of a component's are known under mocks). */
const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
/** A value available later, as another resource's output is. */
const later = <T>(v: T): pulumi.Output<T> => pulumi.output(new Promise<T>((r) => setTimeout(() => r(v), 5)));

const failure = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SiteConfigError);
    return (e as Error).message;
  }
  throw new Error("no SiteConfigError");
};

test("names, addresses and settings given as outputs reach the certificate and binding", async () => {
  const site = new XProtectSite("s", {
    defaults: { includeChain: later(false) },
    servers: {
      rec01: {
        role: "recordingServer",
        hostname: later("rec01.vms.example.local"),
        dnsNames: [later("rec01.vms.example.local"), "alias.vms.example.local"],
        ipAddresses: later(["10.0.0.21"]),
        validityDays: later(400),
      },
    },
  });
  const out = await value(site.servers);
  const cert = registered.find((r) => r.type === "ServerCertificate")!;
  const binding = registered.find((r) => r.type === "CertificateBinding")!;
  expect(cert.name).toBe("s-rec01");
  expect(cert.inputs.dnsNames).toEqual(["rec01.vms.example.local", "alias.vms.example.local"]);
  expect(cert.inputs.ipAddresses).toEqual(["10.0.0.21"]);
  expect(cert.inputs.includeChain).toBe(false);
  expect(cert.inputs.validityDays).toBe(400);
  expect(binding.name).toBe("s-rec01");
  expect(binding.inputs.hostname).toBe("rec01.vms.example.local");
  // The outputs take them from the children.
  expect(out.rec01.hostname).toBe("rec01.vms.example.local");
  expect(out.rec01.dnsNames).toEqual(["rec01.vms.example.local", "alias.vms.example.local"]);
  expect(out.rec01.ipAddresses).toEqual(["10.0.0.21"]);
});

test("servers whose host names are all outputs are not taken for one host (each is checked at preview)", async () => {
  const site = new XProtectSite("s", {
    servers: {
      rec01: { role: "recordingServer", hostname: later("rec01.vms.example.local") },
      rec02: { role: "recordingServer", hostname: later("rec02.vms.example.local") },
    },
  });
  const out = await value(site.servers);
  expect([out.rec01.hostname, out.rec02.hostname]).toEqual([
    "rec01.vms.example.local",
    "rec02.vms.example.local",
  ]);
});

test("a plain field given an output is named, without Output's toJSON text; known values are still checked", () => {
  const message = failure(
    () =>
      new XProtectSite("s", {
        ca: { generation: later(1) as unknown as number },
        issueFrom: later("ca") as unknown as "ca",
        servers: {
          rec01: {
            role: later("recordingServer") as unknown as Role,
            slots: later(["server"]) as unknown as Slot[],
            hostname: later("rec01.vms.example.local"),
            validityDays: 0,
          },
        },
      }),
  );
  expect(message).not.toMatch(/toJSON/);
  for (const field of ["ca.generation", "issueFrom", "servers.rec01.role", "servers.rec01.slots"]) {
    expect(message).toContain(`  - ${field}: is an output (or a promise), but it decides which resources`);
  }
  expect(message).toContain("  - servers.rec01.validityDays: 0 is out of range");
  expect(message.split("\n")).toHaveLength(6); // the heading and the five problems, nothing more
  expect(registered).toEqual([]);
});

test("two sites share a server name: children named <site>-<server>", async () => {
  const a = new XProtectSite("a", {
    servers: { rec01: { role: "recordingServer", hostname: "rec01.a.local" } },
  });
  const b = new XProtectSite("b", {
    servers: { rec01: { role: "recordingServer", hostname: "rec01.b.local" } },
  });
  await value(pulumi.all([a.servers, b.servers]));
  const names = registered.map((r) => `${r.type} ${r.name}`).sort();
  expect(names).toEqual([
    "CaCertificate a-ca",
    "CaCertificate b-ca",
    "CertificateBinding a-rec01",
    "CertificateBinding b-rec01",
    "ServerCertificate a-rec01",
    "ServerCertificate b-rec01",
    "XProtectSite a",
    "XProtectSite b",
  ]);
  const urns = await value(pulumi.all([a.certificates.rec01.urn, b.certificates.rec01.urn]));
  expect(urns[0]).not.toBe(urns[1]);
});

/**
 * Warnings on the real engine: what is legal but risky shows in `npm run preview` as Pulumi warnings, attached
 * to the resource, and the preview still succeeds. A CA of 100 days (so, expiring within 180), a server whose
 * 730 days are cut short at the CA's expiry, and a mobile server with the modern-aes256 PFX profile.
 */
import { siteProgram } from "../../stacks";
import { tempSite, TempSite } from "../engine/harness";

const SITE = {
  ca: { commonName: "Short-lived CA", rsaBits: 2048, validityDays: 100 },
  servers: {
    mgmt01: { role: "managementServer", hostname: "mgmt01.vms.example.local", validityDays: 730 },
    mobile01: {
      role: "mobileServer",
      hostname: "mobile01.vms.example.com",
      validityDays: 90,
      pfxProfile: "modern-aes256",
    },
  },
};

let site: TempSite;

beforeAll(
  async () => {
    site = await tempSite({
      stackName: "warnings",
      program: siteProgram,
      config: { "xprotect-certs:site": { value: JSON.stringify(SITE) } },
    });
  },
  10 * 60 * 1000,
);

afterAll(async () => {
  console.log(
    `warnings timings: ${site?.timings.map((t) => `${t.step} ${(t.ms / 1000).toFixed(1)} s`).join("; ")}`,
  );
  await site?.cleanup();
});

/** The Diagnostics block of the engine's output, for one resource: its lines up to the next resource. */
function diagnosticsOf(output: string, type: string, name: string): string {
  const diagnostics = output.slice(output.indexOf("Diagnostics:"));
  const start = diagnostics.indexOf(`xprotect-certs:${type} (${name}):`);
  if (start < 0) return "";
  const rest = diagnostics.slice(start);
  const next = rest.slice(1).search(/\n {2}\S/);
  return next < 0 ? rest : rest.slice(0, next + 1);
}

test("a preview shows the CA's expiry, the capped certificate and the PFX profile as warnings, and succeeds", async () => {
  const up = await site.up();
  expect(up.changeSummary).toEqual({ create: 1 + 1 + 1 + 2 * 2 }); // stack, XProtectSite, CA, 2 × (certificate, binding);
  const o = up.outputs as { caNotAfter: string; servers: Record<string, { notAfter: string }> };
  const caEnd = o.caNotAfter.slice(0, 10);
  expect(o.servers.mgmt01.notAfter).toBe(o.caNotAfter);

  const preview = await site.npmRun("preview");
  expect({ code: preview.code, tail: preview.output.slice(-3000) }).toEqual({
    code: 0,
    tail: expect.any(String),
  });
  const out = preview.output;
  expect(out).toMatch(/\nDiagnostics:\n/);
  expect(out).not.toMatch(/^\s*error:/m);

  expect(diagnosticsOf(out, "CaCertificate", "site-ca")).toMatch(
    new RegExp(
      `warning: The site CA expires on ${caEnd} \\(in (99|100) days\\)\\. A CA is never renewed automatically: ` +
        `rotate to a new root without an outage\\. Stage it \\(nextCa`,
    ),
  );
  expect(diagnosticsOf(out, "ServerCertificate", "site-mgmt01")).toMatch(
    new RegExp(
      `warning: validityDays 730 reaches past the CA's expiry: this certificate ends with the CA, on ${caEnd}`,
    ),
  );
  expect(diagnosticsOf(out, "ServerCertificate", "site-mobile01")).toMatch(
    /warning: pfxProfile modern-aes256: Windows Server 2016 and Windows 10 before 1709 cannot import this PFX/,
  );
  // mobile01's 90 days end before the CA: it is not capped, and mgmt01 uses legacy-3des.
  expect(diagnosticsOf(out, "ServerCertificate", "site-mobile01")).not.toMatch(
    /reaches past the CA's expiry/,
  );
  expect(diagnosticsOf(out, "ServerCertificate", "site-mgmt01")).not.toMatch(/pfxProfile/);
});

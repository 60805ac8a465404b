/** Every bad argument is a failure that names the property, the value and the fix. */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { validateBindingArgs, validateCaArgs, validateServerArgs } from "../../provider";
import { UNKNOWN } from "../../provider/validate/fields";
import { forEngine } from "../../provider/validate/fields";
import { caTemplate, derToPem, issueCertificate } from "../../provider/pki";
import { compactRsaKey } from "../../provider/pki/compact-key";

/** A real CA, so that the server's CA inputs pass and each row fails only for its own reason. */
const caKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PEM = derToPem(
  issueCertificate({
    template: caTemplate({ commonName: "Test CA", validityDays: 30 }),
    publicKeyDer: caKey.publicKey.export({ type: "spki", format: "der" }),
    selfSigningKey: caKey.privateKey,
    serial: randomBytes(16),
    now: new Date(),
  }).der,
);
const server = (over: Record<string, unknown>) => ({
  caCertificatePem: PEM,
  caSigningKey: compactRsaKey(caKey.privateKey),
  dnsNames: ["rec01.vms.example.local"],
  ...over,
});
const binding = (over: Record<string, unknown>) => ({
  role: "recordingServer",
  hostname: "rec01.vms.example.local",
  thumbprint: UNKNOWN,
  notAfter: UNKNOWN,
  certificateDnsNames: ["rec01.vms.example.local", "rec01"],
  certificateRsaBits: 2048,
  certificateValidityDays: 730,
  ...over,
});

describe("ServerCertificate arguments", () => {
  test.each<[string, Record<string, unknown>, string, RegExp]>([
    ["no DNS name", { dnsNames: [] }, "dnsNames", /empty: give at least 1/],
    ["an empty DNS name", { dnsNames: [""] }, "dnsNames[0]", /empty/],
    ["a malformed DNS name", { dnsNames: ["rec 01"] }, "dnsNames[0]", /"rec 01" contains white space/],
    [
      "a repeated DNS name",
      { dnsNames: ["rec01.x", "REC01.x."] },
      "dnsNames[1]",
      /"rec01.x" repeats dnsNames\[0\]/,
    ],
    ["a bad IP", { ipAddresses: ["10.0.0.300"] }, "ipAddresses[0]", /"10.0.0.300" is not an IPv4 or IPv6/],
    [
      "a repeated IP",
      { ipAddresses: ["fd00::1", "FD00:0::1"] },
      "ipAddresses[1]",
      /repeats ipAddresses\[0\]/,
    ],
    ["rsaBits not allowed", { rsaBits: 1024 }, "rsaBits", /1024 is not allowed: use one of 2048, 3072, 4096/],
    ["validity 0", { validityDays: 0 }, "validityDays", /0 is out of range: give a whole number from 1/],
    ["validity negative", { validityDays: -5 }, "validityDays", /-5 is out of range/],
    ["validity fractional", { validityDays: 1.5 }, "validityDays", /1.5 is not a whole number/],
    [
      "renewBefore >= validity",
      { validityDays: 30, renewBeforeDays: 30 },
      "renewBeforeDays",
      /30 is not less than validityDays \(30\)/,
    ],
    [
      "an empty password",
      { pfxPassword: "" },
      "pfxPassword",
      /is empty.*leave pfxPassword out to have one generated/,
    ],
    [
      "an unknown profile",
      { pfxProfile: "aes" },
      "pfxProfile",
      /"aes" is not allowed: use one of "legacy-3des", "modern-aes256"/,
    ],
    ["an unknown key rotation", { keyRotation: "sometimes" }, "keyRotation", /"sometimes" is not allowed/],
    ["autoRenew not boolean", { autoRenew: "yes" }, "autoRenew", /"yes" is not true or false/],
    ["a number where a list belongs", { dnsNames: 5 }, "dnsNames", /number 5 is not a list/],
    ["no CA", { caCertificatePem: undefined }, "caCertificatePem", /pass the site's CaCertificate/],
  ])("%s", (_name, over, property, reason) => {
    const { failures } = validateServerArgs(server(over));
    const f = failures.find((x) => x.property === property);
    expect(f).toBeDefined();
    expect(f!.reason).toMatch(reason);
    // Validators give the bare reason; the provider's check leads it with the property for the engine.
    expect(f!.reason.startsWith(`${property}: `)).toBe(false);
    expect(forEngine([f!])[0].reason).toBe(`${property}: ${f!.reason}`);
  });

  test("good arguments pass, normalised, with defaults", () => {
    const { inputs, failures } = validateServerArgs(
      server({ dnsNames: ["REC01.vms.example.local."], ipAddresses: ["FD00:0:0::11"] }),
    );
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({
      dnsNames: ["rec01.vms.example.local"],
      ipAddresses: ["fd00::11"],
      rsaBits: 2048,
      validityDays: 730,
      renewBeforeDays: 30,
      autoRenew: true,
      generation: 0,
      keyRotation: "always",
      pfxProfile: "legacy-3des",
      friendlyName: "VMS SSL Certificate",
      includeChain: true,
    });
    expect(inputs.pfxPassword).toBeUndefined();
  });

  test("values unknown at preview are left alone", () => {
    const { failures } = validateServerArgs(
      server({
        caCertificatePem: UNKNOWN,
        caSigningKey: UNKNOWN,
        dnsNames: [UNKNOWN],
        pfxPassword: UNKNOWN,
      }),
    );
    expect(failures).toEqual([]);
  });
});

describe("CaCertificate arguments", () => {
  test.each<[string, Record<string, unknown>, string, RegExp]>([
    ["an empty CN", { commonName: "" }, "commonName", /not a non-empty text/],
    ["a CN over 64", { commonName: "x".repeat(65) }, "commonName", /65 characters long; at most 64/],
    ["rsaBits 1024", { rsaBits: 1024 }, "rsaBits", /use one of 2048, 3072, 4096/],
    ["validity 0", { validityDays: 0 }, "validityDays", /out of range/],
    ["validity too long", { validityDays: 40000 }, "validityDays", /MAX_VALIDITY_DAYS/],
    ["negative generation", { generation: -1 }, "generation", /out of range/],
  ])("%s", (_name, over, property, reason) => {
    const f = validateCaArgs(over).failures.find((x) => x.property === property);
    expect(f?.reason).toMatch(reason);
  });

  test("a new CN without a generation bump is refused, saying how to proceed on purpose", () => {
    const olds = validateCaArgs({}).inputs;
    const { failures } = validateCaArgs(
      { commonName: "Other CA" },
      olds as unknown as Record<string, unknown>,
    );
    expect(failures).toHaveLength(1);
    expect(failures[0].property).toBe("commonName");
    expect(failures[0].reason).toMatch(
      /from "VMS Certificate Authority" to "Other CA" would make a new root CA/,
    );
    expect(failures[0].reason).toMatch(/set generation to 1 and unprotect the CA/);
  });

  test("the same change with a generation bump passes check (the engine's protection still holds it)", () => {
    const olds = validateCaArgs({}).inputs;
    expect(validateCaArgs({ commonName: "Other CA", generation: 1 }, olds as never).failures).toEqual([]);
  });
});

describe("CertificateBinding arguments", () => {
  test.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      "an unknown role",
      { role: "webServer" },
      "role",
      /"webServer" is not allowed: use one of "managementServer"/,
    ],
    [
      "a slot not of the role",
      { slots: ["mobileStreamingMedia"] },
      "slots[0]",
      /not a slot of a recordingServer: a recordingServer may use server, streamingMedia/,
    ],
    ["an unknown slot", { slots: ["video"] }, "slots[0]", /"video" is not a slot/],
    [
      "a host name not in the certificate",
      { hostname: "rec02.vms.example.local" },
      "hostname",
      /not among the certificate's DNS names/,
    ],
    ["a malformed host name", { hostname: "rec_01" }, "hostname", /letters, digits and hyphens/],
    [
      "a malformed service account",
      { serviceAccount: "network service" },
      "serviceAccount",
      /DOMAIN\\name, name@domain/,
    ],
    ["an empty service account", { serviceAccount: "" }, "serviceAccount", /is not an account/],
    [
      "a local account written .\\name (Windows cannot resolve it when granting key access)",
      { serviceAccount: ".\\localsvc" },
      "serviceAccount",
      /"\.\\localsvc" names a local account with "\.", which .*computer name instead, e\.g\. REC01\\localsvc$/,
    ],
    [
      "a mobile certificate Apple clients refuse",
      { role: "mobileServer", certificateValidityDays: 900 },
      "certificate",
      /at most 825, APPLE_MAX_VALIDITY_DAYS/,
    ],
  ])("%s", (_name, over, property, reason) => {
    const f = validateBindingArgs(binding(over)).failures.find((x) => x.property === property);
    expect(f?.reason).toMatch(reason);
  });

  test.each([
    ["managementServer", ["server"]],
    ["recordingServer", ["server", "streamingMedia"]],
    ["failoverRecordingServer", ["server", "streamingMedia"]],
    ["mobileServer", ["server", "mobileStreamingMedia"]],
    ["eventServer", ["server", "eventServer"]],
    ["logServer", ["server"]],
    ["lprServer", ["server"]],
  ])("a %s gets the slots %j by default", (role, slots) => {
    const { inputs, failures } = validateBindingArgs(binding({ role }));
    expect(failures).toEqual([]);
    expect(inputs.slots).toEqual(slots);
  });

  test.each([
    "NT AUTHORITY\\NETWORK SERVICE",
    "VMS\\svc-xprotect",
    "svc-xprotect@vms.example.local",
    "NT SERVICE\\MilestoneXProtectRecordingServer",
    "REC01\\localsvc",
  ])("%s is a service account", (serviceAccount) => {
    expect(validateBindingArgs(binding({ serviceAccount })).failures).toEqual([]);
  });

  test("the host name is compared with the certificate's names as normalised", () => {
    expect(
      validateBindingArgs(
        binding({ hostname: "REC01.vms.example.local.", certificateDnsNames: ["Rec01.VMS.example.local"] }),
      ).failures,
    ).toEqual([]);
  });
});

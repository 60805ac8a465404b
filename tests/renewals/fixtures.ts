/** Stack outputs for the renewals tests, shaped as `pulumi stack output --json` prints them (secrets hidden). */

/** The fixed "now" of the tests. */
export const NOW = "2027-03-01T12:00:00.000Z";

export interface ServerFixture {
  role?: string;
  hostname?: string;
  thumbprint?: string;
  serialNumber?: string;
  notBefore: string;
  notAfter: string;
  renewalDue: string;
}

let serial = 0x1000;
const hex = (n: number, len: number): string => n.toString(16).toUpperCase().padStart(len, "0");

/** One server's output, with the contract's other fields filled in. */
export function serverOutput(name: string, f: ServerFixture): Record<string, unknown> {
  const n = serial++;
  const thumbprint = f.thumbprint ?? hex(n, 40);
  return {
    role: f.role ?? "recordingServer",
    hostname: f.hostname ?? `${name}.vms.example.local`,
    dnsNames: [f.hostname ?? `${name}.vms.example.local`],
    ipAddresses: [],
    thumbprint,
    serialNumber: f.serialNumber ?? hex(n, 32),
    notBefore: f.notBefore,
    notAfter: f.notAfter,
    renewalDue: f.renewalDue,
    serviceName: "Milestone XProtect Recording Server",
    serviceAccount: "NT AUTHORITY\\NETWORK SERVICE",
    enableOrder: 3,
    slots: [
      {
        slot: "server",
        groupId: "84430eb7-847c-422d-aa00-7915cd0d7a65",
        command: `ServerConfigurator.exe /quiet /enableencryption /certificategroup=84430eb7-847c-422d-aa00-7915cd0d7a65 /thumbprint=${thumbprint}`,
      },
    ],
  };
}

/** Servers relative to {@link NOW}: one fine, one past renewal, one due in 15 days, one expired. */
export const MIXED: Record<string, ServerFixture> = {
  mgmt01: {
    role: "managementServer",
    notBefore: "2026-01-01T00:00:00Z",
    notAfter: "2028-01-01T00:00:00Z",
    renewalDue: "2027-12-02T00:00:00Z",
  },
  rec01: {
    notBefore: "2025-03-20T00:00:00Z",
    notAfter: "2027-03-20T00:00:00Z",
    renewalDue: "2027-02-18T00:00:00Z",
  },
  rec02: {
    notBefore: "2025-04-15T00:00:00Z",
    notAfter: "2027-04-15T00:00:00Z",
    renewalDue: "2027-03-16T00:00:00Z",
  },
  old01: {
    notBefore: "2025-02-20T00:00:00Z",
    notAfter: "2027-02-20T00:00:00Z",
    renewalDue: "2027-01-21T00:00:00Z",
  },
};

/** Every server of {@link MIXED} moved well into the future: nothing due. */
export const ALL_FINE: Record<string, ServerFixture> = {
  mgmt01: MIXED.mgmt01,
  rec01: {
    notBefore: "2026-12-01T00:00:00Z",
    notAfter: "2028-12-01T00:00:00Z",
    renewalDue: "2028-11-01T00:00:00Z",
  },
};

/** A root of `trustedCaCertificates` (root rotation); the certificate itself is a placeholder. */
export interface RootFixture {
  thumbprint: string;
  notAfter: string;
  status: "active" | "next" | "previous";
}

/** Thumbprints of the roots of a rotation. */
export const OLD_ROOT = "0".repeat(39) + "1";
export const NEW_ROOT = "0".repeat(39) + "2";

/**
 * The roots of a rotation of a CA ending on `oldNotAfter` (the active root before the switch) to one ending on
 * `newNotAfter`: staged (old active, new next) or switched (new active, old previous).
 */
export function rotationRoots(
  stage: "staged" | "switched",
  oldNotAfter = "2027-06-01T00:00:00Z",
  newNotAfter = "2037-02-01T00:00:00Z",
): RootFixture[] {
  return stage === "staged"
    ? [
        { thumbprint: OLD_ROOT, notAfter: oldNotAfter, status: "active" },
        { thumbprint: NEW_ROOT, notAfter: newNotAfter, status: "next" },
      ]
    : [
        { thumbprint: NEW_ROOT, notAfter: newNotAfter, status: "active" },
        { thumbprint: OLD_ROOT, notAfter: oldNotAfter, status: "previous" },
      ];
}

/**
 * The whole outputs object. With `roots`, `trustedCaCertificates` lists them and the CA fields are the active
 * root's (as the site program writes them); without, the outputs are those of a stack from before root rotation.
 */
export function siteOutputs(
  servers: Record<string, ServerFixture>,
  ca: { notAfter?: string; thumbprint?: string } = {},
  roots?: RootFixture[],
): Record<string, unknown> {
  const active = roots?.find((r) => r.status === "active");
  if (active) ca = { notAfter: active.notAfter, thumbprint: active.thumbprint };
  const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  return {
    contractVersion: 1,
    caCertificatePem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    caCertificateDer: "MIIB",
    caThumbprint: ca.thumbprint ?? "C".repeat(40),
    caNotAfter: ca.notAfter ?? "2036-01-01T00:00:00Z",
    servers: Object.fromEntries(Object.entries(servers).map(([n, f]) => [n, serverOutput(n, f)])),
    pfx: "[secret]",
    pfxPasswords: "[secret]",
    ...(roots
      ? { trustedCaCertificates: roots.map((r) => ({ ...r, certificatePem: pem, certificateDer: "MIIB" })) }
      : {}),
  };
}

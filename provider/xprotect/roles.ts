/**
 * XProtect server roles, their Windows services and the Server Configurator's encryption slots
 * ("certificate groups"). Pure data and functions.
 */

export const ROLES = [
  "managementServer",
  "recordingServer",
  "failoverRecordingServer",
  "mobileServer",
  "eventServer",
  "logServer",
  "lprServer",
] as const;
export type Role = (typeof ROLES)[number];

export const SLOTS = ["server", "streamingMedia", "mobileStreamingMedia", "eventServer"] as const;
export type Slot = (typeof SLOTS)[number];

/** Server Configurator certificate group ids (`/certificategroup=`). */
export const SLOT_GROUP_IDS: Record<Slot, string> = {
  server: "84430eb7-847c-422d-aa00-7915cd0d7a65",
  streamingMedia: "549df21d-047c-456b-958e-99e65dd8b3ec",
  mobileStreamingMedia: "76cfc719-a852-4210-913e-703eadab139a",
  eventServer: "7e02e0f5-549d-4113-b8de-bda2c1f38dbf",
};

export interface RoleFacts {
  /** The Windows service that runs the role and must read the private key. */
  serviceName: string;
  /** Slots the role may use. `server` (management server and every Data Collector) is allowed for all. */
  allowedSlots: readonly Slot[];
  defaultSlots: readonly Slot[];
  /**
   * Order in which encryption is switched on across a site (lower first), as the vendor guide's "Enable
   * encryption" says: the management server, then the recording servers (and failover recording servers), then
   * every other server with a Data Collector (event, log, LPR, mobile). Only an output (`enableOrder`,
   * order.txt): no resource input, so a change here replaces and reissues nothing.
   */
  enableOrder: number;
}

export const ROLE_FACTS: Record<Role, RoleFacts> = {
  eventServer: {
    serviceName: "MilestoneEventServerService",
    allowedSlots: ["server", "eventServer"],
    defaultSlots: ["server", "eventServer"],
    enableOrder: 3,
  },
  managementServer: {
    serviceName: "Milestone XProtect Management Server",
    allowedSlots: ["server"],
    defaultSlots: ["server"],
    enableOrder: 1,
  },
  recordingServer: {
    serviceName: "Milestone XProtect Recording Server",
    allowedSlots: ["server", "streamingMedia"],
    defaultSlots: ["server", "streamingMedia"],
    enableOrder: 2,
  },
  failoverRecordingServer: {
    serviceName: "Milestone XProtect Recording Server",
    allowedSlots: ["server", "streamingMedia"],
    defaultSlots: ["server", "streamingMedia"],
    enableOrder: 2,
  },
  mobileServer: {
    serviceName: "Milestone XProtect Mobile Server",
    allowedSlots: ["server", "mobileStreamingMedia"],
    defaultSlots: ["server", "mobileStreamingMedia"],
    enableOrder: 3,
  },
  logServer: {
    serviceName: "Milestone XProtect Log Server",
    allowedSlots: ["server"],
    defaultSlots: ["server"],
    enableOrder: 3,
  },
  lprServer: {
    serviceName: "Milestone XProtect Data Collector Server",
    allowedSlots: ["server"],
    defaultSlots: ["server"],
    enableOrder: 3,
  },
};

export const DEFAULT_SERVICE_ACCOUNT = "NT AUTHORITY\\NETWORK SERVICE";

/** The non-interactive Server Configurator call that switches a slot on with a certificate (2020 R3+). */
export function enableEncryptionCommand(slot: Slot, thumbprint: string): string {
  return `ServerConfigurator.exe /quiet /enableencryption /certificategroup=${SLOT_GROUP_IDS[slot]} /thumbprint=${thumbprint}`;
}

/** The Windows account forms the installer can grant key access to. */
const DOWN_LEVEL = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}\\[^\\/"[\]:;|=,+*?<>@]{1,104}$/;
const UPN = /^[^\\/"[\]:;|=,+*?<>@\s]{1,104}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;

/** undefined when acceptable; otherwise why not, with the forms that are. */
export function serviceAccountProblem(account: unknown): string | undefined {
  if (typeof account !== "string" || account.trim() === "") {
    return `${JSON.stringify(account)} is not an account: use DOMAIN\\name, name@domain, NT AUTHORITY\\NETWORK SERVICE or NT SERVICE\\<service>`;
  }
  if (account !== account.trim()) return `"${account}" has leading or trailing spaces`;
  if (account.startsWith(".\\")) {
    const name = account.slice(2);
    return (
      `"${account}" names a local account with ".", which Windows cannot resolve when the installer grants it ` +
      `read access to the key: write the server's computer name instead, e.g. REC01\\${name}`
    );
  }
  if (DOWN_LEVEL.test(account) || UPN.test(account)) return undefined;
  return `"${account}" is not a Windows account name: use DOMAIN\\name, name@domain, NT AUTHORITY\\NETWORK SERVICE or NT SERVICE\\<service>`;
}

/** Apple's rules for TLS server certificates trusted by iOS/macOS (the mobile clients). */
export const APPLE_MAX_VALIDITY_DAYS = 825;
export const APPLE_MIN_RSA_BITS = 2048;

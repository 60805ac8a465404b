/**
 * The site's `acme` (the ACME CA for public certificates) and a server's `public` (its names there): the keys, once,
 * and their checks. Pure: each check takes the parsed value and reports failures as (field, reason) with the fix.
 * The hook's existence is checked by the provider at preview (it needs the project folder).
 */
import { describeValue } from "../validate/fields";
import { normaliseDnsName } from "../pki/names";
import { publicNameProblem } from "../pki/public-names";
import { Role, ROLE_FACTS, Slot } from "../xprotect/roles";

/** Directory names a user may write instead of a URL. */
export const ACME_DIRECTORIES: Record<string, string> = {
  letsencrypt: "https://acme-v02.api.letsencrypt.org/directory",
  "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
};

/** Where each CA's terms of service are (README; configuring `acme` agrees to them). */
export const ACME_TERMS = "https://letsencrypt.org/repository/";

export const ACME_KEYS = ["directory", "email", "dns01", "externalAccountBinding"] as const;
export const DNS01_KEYS = ["command", "resolvers"] as const;
export const EAB_KEYS = ["keyId"] as const;
export const PUBLIC_KEYS = ["dnsNames", "slots"] as const;
/** The secret config key of the EAB HMAC key (XProtectSite: the `acmeEabHmacKey` argument). */
export const EAB_HMAC_CONFIG_KEY = "acmeEabHmacKey";

/** The slots clients outside the site connect to, by role: the ones a public certificate may take. */
export const CLIENT_FACING_SLOTS: Partial<Record<Role, readonly Slot[]>> = {
  mobileServer: ["mobileStreamingMedia"],
  recordingServer: ["streamingMedia"],
  failoverRecordingServer: ["streamingMedia"],
};

/** `acme`, checked: the directory as a URL. */
export interface AcmeSpec {
  directoryUrl: string;
  email: string;
  dns01Command: string[];
  dns01Resolvers: string[];
  eabKeyId?: string;
}

/** A server's `public`, checked. */
export interface PublicSpec {
  dnsNames: string[];
  slots: Slot[];
}

type Fail = (field: string, reason: string) => void;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const EMAIL =
  /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const HOST_PORT = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:]+\])(?::\d{1,5})?$/;

function unknownKeys(v: Record<string, unknown>, keys: readonly string[], at: string, fail: Fail): void {
  for (const k of Object.keys(v)) {
    if (!keys.includes(k)) fail(`${at}.${k}`, `is not a key of ${at}: use ${keys.join(", ")}`);
  }
}

export function checkAcme(raw: unknown, hasEabHmacKey: boolean, fail: Fail): AcmeSpec | undefined {
  if (!isRecord(raw)) {
    fail("acme", `${describeValue(raw)} is not a map: give directory, email and dns01.command`);
    return undefined;
  }
  unknownKeys(raw, ACME_KEYS, "acme", fail);
  let directoryUrl = "";
  const dir = raw.directory;
  if (typeof dir === "string" && Object.hasOwn(ACME_DIRECTORIES, dir)) directoryUrl = ACME_DIRECTORIES[dir];
  else if (typeof dir === "string" && /^https:\/\/[^\s/]+\/\S*$/.test(dir)) directoryUrl = dir;
  else {
    fail(
      "acme.directory",
      `${describeValue(dir)} is not a directory: use letsencrypt, letsencrypt-staging, or the https:// URL of an ` +
        `RFC 8555 directory (your CA's documentation gives it)`,
    );
  }
  const email = raw.email;
  if (typeof email !== "string" || !EMAIL.test(email)) {
    fail(
      "acme.email",
      `${describeValue(email)} is not an email address: give the address the CA writes to about this account ` +
        `(e.g. vms-admin@example.com)`,
    );
  }
  const dns01 = isRecord(raw.dns01) ? raw.dns01 : undefined;
  if (!dns01) fail("acme.dns01", `${describeValue(raw.dns01)} is not a map: give dns01.command`);
  else unknownKeys(dns01, DNS01_KEYS, "acme.dns01", fail);
  const command = dns01?.command;
  const commandOk =
    Array.isArray(command) && command.length > 0 && command.every((c) => typeof c === "string" && c !== "");
  if (dns01 && !commandOk) {
    fail(
      "acme.dns01.command",
      `${describeValue(command)} is not a command: give a list such as ["./dns/acme-hook.sh"]; it is run as ` +
        `<command...> present|cleanup <fqdn.> <value> in the project folder`,
    );
  }
  const resolvers = dns01?.resolvers ?? [];
  const resolversOk =
    Array.isArray(resolvers) && resolvers.every((r) => typeof r === "string" && HOST_PORT.test(r));
  if (!resolversOk) {
    fail(
      "acme.dns01.resolvers",
      `${describeValue(resolvers)} is not a list of DNS servers: give IP addresses with an optional port, e.g. ` +
        `["192.0.2.53:53"], or leave it out`,
    );
  }
  let eabKeyId: string | undefined;
  if (raw.externalAccountBinding !== undefined) {
    const eab = raw.externalAccountBinding;
    if (!isRecord(eab) || typeof eab.keyId !== "string" || eab.keyId === "") {
      fail(
        "acme.externalAccountBinding.keyId",
        `${describeValue(isRecord(eab) ? eab.keyId : eab)} is not a key id: give the EAB key id your CA shows`,
      );
    } else {
      unknownKeys(eab, EAB_KEYS, "acme.externalAccountBinding", fail);
      eabKeyId = eab.keyId;
      if (!hasEabHmacKey) {
        fail(
          `xprotect-certs:${EAB_HMAC_CONFIG_KEY}`,
          `missing: externalAccountBinding needs the CA's HMAC key as a secret: ` +
            `pulumi config set --secret xprotect-certs:${EAB_HMAC_CONFIG_KEY} <key>`,
        );
      }
    }
  }
  if (!directoryUrl || typeof email !== "string" || !EMAIL.test(email) || !commandOk || !resolversOk) {
    return undefined;
  }
  return {
    directoryUrl,
    email,
    dns01Command: command as string[],
    dns01Resolvers: resolvers as string[],
    ...(eabKeyId ? { eabKeyId } : {}),
  };
}

/**
 * A server's `public`: public names only, slots among the role's client-facing ones (default: all of them) and
 * among the slots the server binds.
 */
export function checkPublic(
  raw: unknown,
  server: { name: string; role: Role; slots?: readonly Slot[] },
  hasAcme: boolean,
  fail: Fail,
): PublicSpec | undefined {
  const at = `servers.${server.name}.public`;
  if (!isRecord(raw)) {
    fail(at, `${describeValue(raw)} is not a map: give dnsNames (the server's public names)`);
    return undefined;
  }
  unknownKeys(raw, PUBLIC_KEYS, at, fail);
  let ok = true;
  if (!hasAcme) {
    fail(
      at,
      `needs the site's acme (the CA that signs public certificates): add acme with directory, email and dns01.command`,
    );
    ok = false;
  }
  const facing = CLIENT_FACING_SLOTS[server.role];
  if (!facing) {
    fail(
      at,
      `role ${server.role} has no slot clients outside the site connect to: a public certificate is for a mobile ` +
        `server (mobileStreamingMedia) or a recording server (streamingMedia); remove public from ${server.name}`,
    );
    return undefined;
  }
  const dnsNames: string[] = [];
  if (!Array.isArray(raw.dnsNames) || raw.dnsNames.length === 0) {
    fail(
      `${at}.dnsNames`,
      `${describeValue(raw.dnsNames)}: give at least one public DNS name, e.g. [mobile.example.com]`,
    );
    ok = false;
  } else {
    raw.dnsNames.forEach((n, i) => {
      const problem = typeof n === "string" ? publicNameProblem(n) : `${describeValue(n)} is not a name`;
      if (problem) {
        fail(`${at}.dnsNames[${i}]`, problem);
        ok = false;
      } else {
        const v = normaliseDnsName(n as string);
        if (v.ok && !dnsNames.includes(v.value)) dnsNames.push(v.value);
      }
    });
  }
  const bound = server.slots ?? ROLE_FACTS[server.role].defaultSlots;
  const slots = raw.slots === undefined ? facing.filter((s) => bound.includes(s)) : raw.slots;
  if (
    !Array.isArray(slots) ||
    slots.length === 0 ||
    !slots.every((s) => facing.includes(s as Slot) && bound.includes(s as Slot))
  ) {
    fail(
      `${at}.slots`,
      `${describeValue(raw.slots ?? slots)}: a public certificate takes only the client-facing slots this server ` +
        `binds (${facing.filter((s) => bound.includes(s)).join(", ") || `none: add ${facing.join(", ")} to slots`}); ` +
        `the server slot keeps the site root's certificate (a public certificate cannot carry internal names)`,
    );
    ok = false;
  }
  return ok ? { dnsNames, slots: slots as Slot[] } : undefined;
}

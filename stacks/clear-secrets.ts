/**
 * Secret config keys set in the clear. `pulumi config set` without `--secret` writes the value as plain text into
 * the stack file (stacks/Pulumi.<stack>.yaml), which is committed: a PFX password, a CA key or a PFX there is
 * exposed. The program refuses such values at preview, naming the key and the command that sets it right. Pure.
 *
 * What the program can know: the engine tells it which top-level keys hold a secret (`isConfigSecret`), but a
 * map set entry by entry (`config set --path 'pfxPasswords["rec01"]'`) counts as secret as soon as one entry is,
 * while the others stay plain text. So for the maps the stack file itself is read too: an entry written there as
 * text (not `secure:`) whose text is the value the program received is set in the clear.
 */
import type { SiteFailure } from "../provider/site/config";
import { isRecord } from "../provider/contract";

/** The config keys that must be secret (without the `xprotect-certs:` namespace). */
export const SECRET_CONFIG_KEYS = [
  "pfxPasswords",
  "caPfx",
  "caPfxPassword",
  "caPrivateKeyPem",
  "serverPfx",
  "acmeEabHmacKey",
] as const;
export type SecretConfigKey = (typeof SECRET_CONFIG_KEYS)[number];
/** The keys that hold a map from server name to a secret. */
const MAP_KEYS: readonly SecretConfigKey[] = ["pfxPasswords", "serverPfx"];

/** A file to read each value from, in the commands shown. */
const EXAMPLE_FILE: Record<SecretConfigKey, (server: string) => string> = {
  pfxPasswords: (s) => `${s}-password.txt`,
  caPfx: () => "ca.pfx.b64",
  caPfxPassword: () => "ca-pfx-password.txt",
  caPrivateKeyPem: () => "ca.key",
  serverPfx: (s) => `${s}.pfx.b64`,
  acmeEabHmacKey: () => "acme-eab-hmac-key.txt",
};

/** What the program sees of one secret config key. */
export interface SecretConfigValue {
  /** The value as the program receives it (text; maps as JSON), or undefined when the key is not set. */
  text?: string;
  /** True when the engine says the key holds a secret. */
  secret: boolean;
  /** The key's value as written in the stack file (parsed YAML), when the file was read. */
  written?: unknown;
}

/** One failure per secret config value set in the clear, naming the key and the commands that fix it. */
export function clearSecretFailures(
  values: Partial<Record<SecretConfigKey, SecretConfigValue>>,
  stack: string,
  stackFile: string,
): SiteFailure[] {
  const failures: SiteFailure[] = [];
  for (const key of SECRET_CONFIG_KEYS) {
    const v = values[key];
    if (v?.text === undefined) continue;
    if (!MAP_KEYS.includes(key)) {
      if (!v.secret) failures.push(failure(key, undefined, stack, stackFile));
      continue;
    }
    const map = parseMap(v.text);
    if (!v.secret) {
      const servers = map ? Object.keys(map) : [];
      if (servers.length === 0) failures.push(failure(key, undefined, stack, stackFile));
      for (const server of servers) failures.push(failure(key, server, stack, stackFile));
      continue;
    }
    // Secret as a whole: an entry may still be plain text in the file.
    if (!map || !isRecord(v.written)) continue;
    for (const [server, w] of Object.entries(v.written)) {
      const clear = typeof w === "string" || typeof w === "number" || typeof w === "boolean";
      if (clear && Object.hasOwn(map, server) && String(map[server]) === String(w))
        failures.push(failure(key, server, stack, stackFile));
    }
  }
  return failures;
}

function parseMap(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function failure(
  key: SecretConfigKey,
  server: string | undefined,
  stack: string,
  stackFile: string,
): SiteFailure {
  const target = server === undefined ? key : `${key}["${server}"]`;
  const path = server === undefined ? "" : "--path ";
  const file = EXAMPLE_FILE[key](server ?? "rec01");
  return {
    ...(server === undefined ? {} : { server }),
    field: `xprotect-certs:${server === undefined ? key : `${key}.${server}`}`,
    reason:
      `is set in the clear, not as a secret: it is plain text in ${stackFile}, which is committed, and is not used. ` +
      `Set it as a secret, from a file or typed when asked (never on the command line): ` +
      `npm run pulumi -- config set --secret ${path}'${target}' --stack ${stack} < ${file}. ` +
      `The clear value also stays in git history: remove it from there too (e.g. git filter-repo, then ` +
      `force-push), and as it was exposed, replace it (a new password, a new PFX)`,
  };
}

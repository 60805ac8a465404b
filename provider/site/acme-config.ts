/**
 * The site config's `acme` and each server's `public` (provider/acme/fields.ts checks them): which servers get a
 * public certificate, from which CA. Pure.
 */
import { AcmeSpec, checkAcme, checkPublic, PublicSpec } from "../acme/fields";
import { isRecord } from "../contract";
import { ROLES, Role, Slot } from "../xprotect/roles";

type Fail = (field: string, reason: string, server?: string) => void;

export function parseAcmeConfig(
  raw: Record<string, unknown>,
  acmeEabHmacKey: unknown,
  fail: Fail,
): { acme?: AcmeSpec; publics: Record<string, PublicSpec> } {
  const hasEab = typeof acmeEabHmacKey === "string" ? acmeEabHmacKey !== "" : acmeEabHmacKey !== undefined;
  const acme = raw.acme === undefined ? undefined : checkAcme(raw.acme, hasEab, (f, r) => fail(f, r));
  const publics: Record<string, PublicSpec> = {};
  const servers = isRecord(raw.servers) ? raw.servers : {};
  for (const [name, server] of Object.entries(servers)) {
    if (!isRecord(server) || server.public === undefined) continue;
    if (!ROLES.includes(server.role as Role)) continue; // reported with the server
    const spec = checkPublic(
      server.public,
      {
        name,
        role: server.role as Role,
        ...(Array.isArray(server.slots) ? { slots: server.slots as Slot[] } : {}),
      },
      raw.acme !== undefined,
      (f, r) => fail(f, r, name),
    );
    if (spec) publics[name] = spec;
  }
  return { ...(acme ? { acme } : {}), publics };
}

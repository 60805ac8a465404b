/** CertificateBinding arguments: the role, its slots, the host name and the service account. */
import { normaliseDnsName } from "../pki/names";
import {
  APPLE_MAX_VALIDITY_DAYS,
  APPLE_MIN_RSA_BITS,
  Role,
  ROLE_FACTS,
  ROLES,
  Slot,
  SLOTS,
} from "../xprotect/roles";
import { checkFields } from "../validate/field";
import { Checker, CheckFailure, isUnknown, textItem } from "../validate/fields";
import { BINDING_FIELDS } from "./fields";

export interface BindingInputs {
  role: Role;
  hostname: string;
  serviceAccount: string;
  slots: Slot[];
  /** From the bound certificate: its thumbprint and expiry (unknown in a first preview, absent while it awaits a signature). */
  thumbprint: string;
  notAfter: string;
  /** The certificate's requested names and key facts, known at preview so that the checks run there. */
  certificateDnsNames: string[];
  certificateRsaBits: number;
  certificateValidityDays: number;
}

export function validateBindingArgs(news: Record<string, unknown>): {
  inputs: BindingInputs;
  failures: CheckFailure[];
} {
  const c = new Checker();
  const role = c.oneOf("role", news.role, ROLES, "managementServer");
  const roleKnown = !isUnknown(role) && ROLES.includes(role);
  const dnsName = textItem("a DNS name", normaliseDnsName);
  const hostnameResult = isUnknown(news.hostname) ? undefined : dnsName(news.hostname);
  let hostname = news.hostname as string;
  if (hostnameResult && !hostnameResult.ok)
    c.fail("hostname", `${hostnameResult.reason}; give the server's FQDN`);
  if (hostnameResult?.ok) hostname = hostnameResult.value;

  const { serviceAccount } = checkFields(c, BINDING_FIELDS, news);

  let slots: Slot[] = roleKnown ? [...ROLE_FACTS[role].defaultSlots] : [];
  if (news.slots !== undefined && news.slots !== null && !isUnknown(news.slots)) {
    slots = [];
    const allowed = roleKnown ? ROLE_FACTS[role].allowedSlots : SLOTS;
    c.list("slots", news.slots, {
      min: 1,
      normalise: (v) => {
        if (!SLOTS.includes(v as Slot)) {
          return { ok: false, reason: `${JSON.stringify(v)} is not a slot: use one of ${SLOTS.join(", ")}` };
        }
        if (!allowed.includes(v as Slot)) {
          return {
            ok: false,
            reason: `"${v}" is not a slot of a ${role}: a ${role} may use ${allowed.join(", ")}`,
          };
        }
        return { ok: true, value: v as string };
      },
    }).forEach((s) => slots.push(s as Slot));
  }

  const certificateDnsNames = Array.isArray(news.certificateDnsNames)
    ? (news.certificateDnsNames as unknown[]).map((n) => {
        const r = isUnknown(n) ? undefined : dnsName(n);
        return r?.ok ? r.value : (n as string);
      })
    : [];
  if (
    hostnameResult?.ok &&
    Array.isArray(news.certificateDnsNames) &&
    !certificateDnsNames.some(isUnknown) &&
    !certificateDnsNames.includes(hostnameResult.value)
  ) {
    c.fail(
      "hostname",
      `"${hostnameResult.value}" is not among the certificate's DNS names (${certificateDnsNames.join(", ")}): ` +
        `clients check the name they connect to, so add it to the certificate's dnsNames or bind the right certificate`,
    );
  }
  const rsaBits = news.certificateRsaBits as number;
  const validityDays = news.certificateValidityDays as number;
  if (role === "mobileServer") {
    if (typeof rsaBits === "number" && rsaBits < APPLE_MIN_RSA_BITS) {
      c.fail(
        "certificate",
        `a mobile server's key must have at least ${APPLE_MIN_RSA_BITS} bits for iOS/macOS clients (APPLE_MIN_RSA_BITS); this one has ${rsaBits}`,
      );
    }
    if (typeof validityDays === "number" && validityDays > APPLE_MAX_VALIDITY_DAYS) {
      c.fail(
        "certificate",
        `validityDays ${validityDays} is more than iOS/macOS clients accept for a mobile server (at most ${APPLE_MAX_VALIDITY_DAYS}, APPLE_MAX_VALIDITY_DAYS): set the mobile server's validityDays to ${APPLE_MAX_VALIDITY_DAYS} or less`,
      );
    }
  }
  return {
    inputs: {
      role,
      hostname,
      serviceAccount,
      slots,
      // Null or absent while the certificate awaits its signature (issuer external): left out, not undefined.
      ...(news.thumbprint == null ? {} : { thumbprint: news.thumbprint as string }),
      ...(news.notAfter == null ? {} : { notAfter: news.notAfter as string }),
      certificateDnsNames,
      certificateRsaBits: rsaBits,
      certificateValidityDays: validityDays,
    } as BindingInputs,
    failures: c.failures,
  };
}

/**
 * Property-based tests (fast-check), 1000 runs each.
 *
 * Valid inputs: random servers (DNS names in any case and with trailing dots, IPv4, IPv6 in every spelling,
 * validity, profiles, friendly names, passwords in any script) go through check and create; every certificate
 * is verified by Node's X509Certificate and, in a few batched calls, by `openssl verify -x509_strict`; a
 * sample of PFX files is opened by `openssl pkcs12` with their password. Keys come from a small pre-generated
 * pool: key generation is not what is tested here, and would take minutes.
 *
 * Invalid inputs: random JSON in every field, wrong types, huge and unicode strings: `check` of each provider
 * resolves with failures (never throws), and parseSite never throws.
 */
import { createPrivateKey, createPublicKey, randomBytes, X509Certificate } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { buildPfx } from "../../provider/pki/pkcs12";
import { caProvider, CaOutputs } from "../../provider/ca/provider";
import { serverProvider, ServerOutputs } from "../../provider/server/provider";
import { bindingProvider } from "../../provider/binding/provider";
import type { RuntimeEnv } from "../../provider/runtime/env";
import { UNKNOWN } from "../../provider/validate/fields";
import { parseSite } from "../../provider/site/config";
import { caInputsOf, goodBindingArgs, keyPool, KeyPool } from "./fixtures";
import { ROLES } from "../../provider/xprotect/roles";

const RUNS = Number(process.env.XPC_PROPERTY_RUNS ?? 1000);
const DAY = 86400000;
const BACKDATE = 10 * 60 * 1000;
type Props = Record<string, unknown>;

const fileStart = Date.now();
const times: string[] = [];
const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    times.push(`${what} ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
};
afterAll(() => {
  console.log(
    `properties: ${times.join("; ")}; whole file ${((Date.now() - fileStart) / 1000).toFixed(1)} s`,
  );
});

// ---------------------------------------------------------------- generators of valid inputs

const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789".split("");
const label = (maxLength: number) =>
  fc
    .string({ unit: fc.constantFrom(...ALNUM, "-"), minLength: 1, maxLength })
    .filter((l) => !l.startsWith("-") && !l.endsWith("-"));
const lastLabel = label(12).filter((l) => /[a-z]/.test(l));

/** A DNS name as a user may write it: any case, maybe a trailing dot; valid once normalised. */
const dnsName = fc
  .tuple(
    fc.array(fc.oneof({ weight: 9, arbitrary: label(12) }, { weight: 1, arbitrary: label(63) }), {
      minLength: 0,
      maxLength: 4,
    }),
    lastLabel,
    fc.boolean(),
  )
  .map(([labels, last, dot]) => ({ name: [...labels, last].join("."), dot }))
  .filter(({ name }) => name.length <= 253)
  .chain(({ name, dot }) => fc.mixedCase(fc.constant(name)).map((mixed) => (dot ? `${mixed}.` : mixed)));
const normalName = (n: string) => n.toLowerCase().replace(/\.$/, "");

/** RFC 5952 text of an address, computed by the WHATWG URL parser, with IPv4-mapped addresses dotted. */
function canonicalIp(text: string): string {
  if (isIP(text) === 4) return text;
  const host = new URL(`http://[${text}]`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!mapped) return host;
  const [hi, lo] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
  return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** IPv6 written out: eight groups, expanded (leading zeros), plain, or upper case. */
const ipv6Spelled = fc
  .tuple(
    fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
    fc.constantFrom("expanded", "plain", "upper"),
  )
  .map(([groups, style]) => {
    const hex = groups.map((g) => g.toString(16));
    if (style === "expanded") return hex.map((h) => h.padStart(4, "0")).join(":");
    return style === "upper" ? hex.join(":").toUpperCase() : hex.join(":");
  });
/** IPv4-mapped IPv6 (::ffff:a.b.c.d): refused, since IPv4 clients do not match it. */
const isMapped = (text: string) => /^::ffff:\d/.test(canonicalIp(text));
const ipAddress = fc.oneof(
  fc.ipV4(),
  fc.ipV6().filter((t) => !isMapped(t)),
  ipv6Spelled.filter((t) => !isMapped(t)),
);

const printable = (s: string) => !/[\x00-\x1f\x7f]/.test(s) && s.trim() !== "";
/** Friendly names in any script (OpenSSL shows only ASCII ones faithfully: those are compared). */
const friendlyName = fc
  .oneof(
    fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 40 }),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }),
  )
  .filter((s) => s.length <= 128 && printable(s));
/** Passwords in any script, control characters included (NUL too: it is a character like any other). */
const password = fc
  .oneof(
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 }),
    fc.string({ unit: "binary", minLength: 1, maxLength: 24 }),
    fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 24 }),
    fc.string({ unit: "grapheme-ascii", minLength: 200, maxLength: 256 }),
  )
  .filter((s) => s.length <= 256);

interface ServerSpec {
  ca: number;
  dnsNames: string[];
  ipAddresses: string[];
  rsaBits: 2048 | 3072 | 4096;
  validityDays: number;
  renewBeforeDays: number;
  pfxProfile: "legacy-3des" | "modern-aes256";
  friendlyName?: string;
  pfxPassword?: string;
  includeChain: boolean;
  keyRotation: "always" | "never";
}

const validityDays = fc.oneof(fc.integer({ min: 1, max: 825 }), fc.integer({ min: 1, max: 36500 }));
/** The two CAs' validity: one outlives every certificate, one cuts most of them short. */
const CA_VALIDITY_DAYS = [36500, 400];
const serverSpec: fc.Arbitrary<ServerSpec> = fc
  .record({
    ca: fc.integer({ min: 0, max: 1 }),
    dnsNames: fc.uniqueArray(dnsName, { minLength: 1, maxLength: 4, selector: normalName }),
    ipAddresses: fc.uniqueArray(ipAddress, { maxLength: 3, selector: canonicalIp }),
    rsaBits: fc.constantFrom(2048, 2048, 2048, 3072, 4096) as fc.Arbitrary<2048 | 3072 | 4096>,
    validityDays,
    renewFraction: fc.double({ min: 0, max: 0.99, noNaN: true }),
    pfxProfile: fc.constantFrom("legacy-3des", "modern-aes256") as fc.Arbitrary<
      "legacy-3des" | "modern-aes256"
    >,
    friendlyName: fc.option(friendlyName, { nil: undefined }),
    pfxPassword: fc.option(password, { nil: undefined }),
    includeChain: fc.boolean(),
    keyRotation: fc.constantFrom("always", "never") as fc.Arbitrary<"always" | "never">,
  })
  // renewBeforeDays within the certificate's validity, and within its CA's whole validity (check refuses more).
  .map(({ renewFraction, ...s }) => ({
    ...s,
    renewBeforeDays: Math.min(Math.floor(s.validityDays * renewFraction), CA_VALIDITY_DAYS[s.ca]),
  }));

// ---------------------------------------------------------------- valid inputs: issue and verify

/** Whole seconds: certificates carry no fractions. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
let pool: KeyPool;
let env: RuntimeEnv;
const cas: Array<{ outs: CaOutputs; x: X509Certificate }> = [];

interface Issued {
  spec: ServerSpec;
  outs: ServerOutputs;
}
const issued: Issued[] = [];

beforeAll(async () => {
  pool = await timed("key pool", () => keyPool({ 2048: 3, 3072: 1, 4096: 1 }));
  env = { now: () => ({ ok: true, now: NOW, overridden: true }), generateKey: pool.generate, randomBytes };
  const p = caProvider(env);
  // One CA that outlives every certificate, one that cuts most of them short.
  for (const validity of CA_VALIDITY_DAYS) {
    const checked = await p.check!(
      {},
      { commonName: `Property CA ${validity}`, rsaBits: 2048, validityDays: validity },
    );
    expect(checked.failures ?? []).toEqual([]);
    const outs = (await p.create(checked.inputs)).outs as CaOutputs;
    cas.push({ outs, x: new X509Certificate(outs.certificatePem) });
  }
}, 120000);

const sanOf = (x: X509Certificate) => {
  const entries = (x.subjectAltName ?? "").split(", ");
  return {
    dns: entries.filter((e) => e.startsWith("DNS:")).map((e) => e.slice(4)),
    ip: entries.filter((e) => e.startsWith("IP Address:")).map((e) => canonicalIp(e.slice(11).toLowerCase())),
  };
};

describe("random valid servers", () => {
  test(`${RUNS} runs: check and create issue a certificate that Node verifies and that says what was asked`, async () => {
    const p = serverProvider(env);
    await timed(`${RUNS} valid issuances`, () =>
      fc.assert(
        fc.asyncProperty(serverSpec, async (spec) => {
          const ca = cas[spec.ca];
          const args: Props = { ...caInputsOf(ca.outs), ...spec };
          delete args.ca;
          const checked = await p.check!({}, args);
          expect(checked.failures ?? []).toEqual([]);
          const outs = (await p.create(checked.inputs)).outs as ServerOutputs;
          const x = new X509Certificate(outs.certificatePem);

          expect(x.checkIssued(ca.x)).toBe(true);
          expect(x.verify(ca.x.publicKey)).toBe(true);
          expect(x.ca).toBe(false);
          expect(x.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
          expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(spec.rsaBits);
          const names = spec.dnsNames.map(normalName);
          expect(x.subject).toBe(`CN=${names[0]}`);
          expect(sanOf(x)).toEqual({ dns: names, ip: spec.ipAddresses.map(canonicalIp) });
          expect(outs.dnsNames).toEqual(names);
          expect(outs.ipAddresses).toEqual(spec.ipAddresses.map(canonicalIp));

          const wanted = NOW.getTime() + spec.validityDays * DAY;
          const caEnd = Date.parse(ca.x.validTo);
          expect(Date.parse(x.validFrom)).toBe(NOW.getTime() - BACKDATE);
          expect(Date.parse(x.validTo)).toBe(Math.min(wanted, caEnd));
          expect(outs.validityCapped).toBe(wanted > caEnd);
          expect(outs.notAfter).toBe(new Date(Math.min(wanted, caEnd)).toISOString());
          expect(outs.renewalDue).toBe(
            new Date(Math.min(wanted, caEnd) - spec.renewBeforeDays * DAY).toISOString(),
          );
          expect(outs.thumbprint).toBe(x.fingerprint.replace(/:/g, ""));
          if (spec.pfxPassword !== undefined) expect(outs.pfxPassword).toBe(spec.pfxPassword);
          else expect(outs.pfxPassword).toMatch(/^[A-Za-z2-9]{24}$/);
          issued.push({ spec, outs });
        }),
        { numRuns: RUNS },
      ),
    );
    expect(issued).toHaveLength(RUNS);
    expect(pool.handedOut()).toBe(RUNS + cas.length);
  }, 120000);

  test("OpenSSL verifies every certificate (-x509_strict -purpose sslserver), many files per call", () => {
    const dir = mkdtempSync(join(tmpdir(), "xpc-props-"));
    try {
      let verified = 0;
      cas.forEach((ca, i) => {
        writeFileSync(join(dir, `ca${i}.pem`), ca.outs.certificatePem);
        const files = issued.flatMap((c, n) => (c.spec.ca === i ? [`c${n}.pem`] : []));
        for (const f of files)
          writeFileSync(join(dir, f), issued[Number(f.slice(1, -4))].outs.certificatePem);
        for (let from = 0; from < files.length; from += 300) {
          const batch = files.slice(from, from + 300);
          const r = spawnSync(
            "openssl",
            ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", `ca${i}.pem`, ...batch],
            { cwd: dir, encoding: "utf8" },
          );
          expect(r.stderr).toBe("");
          expect(r.stdout.trim().split("\n")).toEqual(batch.map((f) => `${f}: OK`));
          expect(r.status).toBe(0);
          verified += batch.length;
        }
      });
      expect(verified).toBe(RUNS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("OpenSSL opens a sample of the PFX files with their password: the certificate, its key, the friendly name", () => {
    const sample = issued.filter((c, i) => i % 25 === 0 && !c.outs.pfxPassword.includes("\0"));
    let namesCompared = 0;
    const dir = mkdtempSync(join(tmpdir(), "xpc-pfx-"));
    try {
      for (const { spec, outs } of sample) {
        writeFileSync(join(dir, "s.pfx"), Buffer.from(outs.pfx, "base64"));
        const r = spawnSync("openssl", ["pkcs12", "-in", "s.pfx", "-passin", "env:PFX_PASSWORD", "-nodes"], {
          cwd: dir,
          encoding: "utf8",
          env: { ...process.env, PFX_PASSWORD: outs.pfxPassword },
        });
        expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
        const pems = r.stdout.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
        const leaf = new X509Certificate(outs.certificatePem);
        expect(pems.map((pem) => new X509Certificate(pem).fingerprint256)).toEqual(
          spec.includeChain
            ? expect.arrayContaining([leaf.fingerprint256, cas[spec.ca].x.fingerprint256])
            : [leaf.fingerprint256],
        );
        const key = /-----BEGIN PRIVATE KEY-----[^-]+-----END PRIVATE KEY-----/.exec(r.stdout)![0];
        expect(createPublicKey(createPrivateKey(key)).export({ type: "spki", format: "der" })).toEqual(
          leaf.publicKey.export({ type: "spki", format: "der" }),
        );
        const shown = spec.friendlyName ?? "VMS SSL Certificate";
        if (/^[\x20-\x7e]+$/.test(shown)) {
          expect(r.stdout).toContain(`friendlyName: ${shown}\n`);
          namesCompared++;
        }
      }
      console.log(
        `properties: OpenSSL opened ${sample.length} PFX files, ${namesCompared} friendly names compared`,
      );
      expect(sample.length).toBeGreaterThanOrEqual(30);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- invalid inputs: failures, never a throw

const notNull = fc.jsonValue().filter((v) => v !== null && v !== UNKNOWN);
/** Values no field expects: random JSON, huge and unicode strings, extreme numbers. */
const weird = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue() },
  fc.integer({ min: 254, max: 200_000 }).map((n) => "a".repeat(n)),
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.constantFrom(UNKNOWN, -0, 1e308, -1e308, 2 ** 53 + 2, 0.1, "", " ", "\u0000", "-----BEGIN", [UNKNOWN]),
);
const randomRecord = (fields: readonly string[]) =>
  fc.record(Object.fromEntries(fields.map((f) => [f, weird])), { requiredKeys: [] }) as fc.Arbitrary<Props>;

const wrongType = (type: "number" | "string" | "boolean" | "array") =>
  notNull.filter((v) => (type === "array" ? !Array.isArray(v) : typeof v !== type));
const notOneOf = (allowed: readonly unknown[]) => notNull.filter((v) => !allowed.includes(v));
const badInteger = (min: number, max: number) =>
  fc.oneof(
    wrongType("number"),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
    fc.integer({ min: max + 1 }),
    fc.integer({ max: min - 1 }),
  );
const badText = (maxLength: number) =>
  fc.oneof(
    wrongType("string"),
    fc.constantFrom("", " ", "\t"),
    fc.integer({ min: maxLength + 1, max: maxLength * 50 }).map((n) => "n".repeat(n)),
    fc.tuple(fc.string(), fc.integer({ min: 0, max: 31 })).map(([s, c]) => `${s}${String.fromCharCode(c)}x`),
  );
const badBoolean = wrongType("boolean");
/** Strings no DNS name may be, and values that are not strings. */
const badDnsName = fc.oneof(
  notNull.filter((v) => typeof v !== "string"),
  dnsName.map((n) => `*.${n}`),
  fc
    .tuple(
      dnsName,
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 3 }).filter((s) => /[^\x00-\x7f]/.test(s)),
    )
    .map(([n, u]) => `${u}${n}`),
  fc.integer({ min: 254, max: 2000 }).map((n) => `${"a.".repeat(n)}example`),
  fc.integer({ min: 64, max: 300 }).map((n) => `${"l".repeat(n)}.example`),
  fc.constantFrom("", ".", "a..b", "-a.example", "a-.example", "a b.example", "a_b.example", "a.123"),
  fc.ipV4(),
  fc.ipV6(),
);
const badDnsNames = fc.oneof(
  wrongType("array"),
  fc.constant([]),
  fc.tuple(fc.array(dnsName, { maxLength: 2 }), badDnsName).map(([good, bad]) => [...good, bad]),
  dnsName.map((n) => [n, n.toUpperCase()]),
);
const badIpAddress = fc.oneof(
  notNull.filter((v) => typeof v !== "string"),
  fc.string({ maxLength: 45 }).filter((s) => isIP(s) === 0 && s !== UNKNOWN),
  fc.string({ unit: "binary", maxLength: 45 }).filter((s) => isIP(s) === 0 && s !== UNKNOWN),
  fc.tuple(fc.ipV6(), fc.stringMatching(/^[a-z0-9]{0,8}$/)).map(([ip, zone]) => `${ip}%${zone}`),
  fc.ipV4().map((ip) => `${ip}/24`),
);
const badIpAddresses = fc.oneof(
  wrongType("array"),
  fc.tuple(fc.array(fc.ipV4(), { maxLength: 2 }), badIpAddress).map(([good, bad]) => [...good, bad]),
  fc.ipV4().map((ip) => [ip, ip]),
);

const toB64 = (n: number) => Buffer.from(n.toString(16).padStart(8, "0"), "hex").toString("base64url");

/** Each field of a resource, and values of it that check must refuse (with a failure on that field). */
const SERVER_BAD: Record<string, fc.Arbitrary<unknown>> = {
  caCertificatePem: fc.oneof(
    wrongType("string"),
    fc.string().filter((s) => !s.includes("-----BEGIN")),
    fc.string().map((s) => `-----BEGIN CERTIFICATE-----\n${s}\n-----END CERTIFICATE-----\n`),
  ),
  caSigningKey: fc.oneof(
    wrongType("string"),
    fc.string().filter((s) => !s.startsWith("rsa-pq1.")),
    fc.tuple(fc.nat(), fc.nat()).map(([p, q]) => `rsa-pq1.AQAB.${toB64(p + 2)}.${toB64(q + 2)}`),
  ),
  dnsNames: badDnsNames,
  ipAddresses: badIpAddresses,
  rsaBits: notOneOf([2048, 3072, 4096]),
  validityDays: badInteger(1, 36500),
  renewBeforeDays: fc.oneof(badInteger(0, 36500), fc.integer({ min: 730, max: 36500 })),
  autoRenew: badBoolean,
  generation: badInteger(0, 1_000_000),
  keyRotation: notOneOf(["always", "never"]),
  pfxProfile: notOneOf(["legacy-3des", "modern-aes256"]),
  friendlyName: badText(128),
  includeChain: badBoolean,
  pfxPassword: fc.oneof(
    wrongType("string"),
    fc.constant(""),
    fc.integer({ min: 257, max: 5000 }).map((n) => "p".repeat(n)),
  ),
};
const CA_BAD: Record<string, fc.Arbitrary<unknown>> = {
  commonName: badText(64),
  organization: badText(64),
  rsaBits: notOneOf([2048, 3072, 4096]),
  validityDays: badInteger(1, 36500),
  friendlyName: badText(128),
  generation: badInteger(0, 1_000_000),
};
const BINDING_BAD: Record<string, fc.Arbitrary<unknown>> = {
  role: notOneOf([...ROLES]),
  hostname: fc.oneof(badDnsName, fc.constant("rec99.vms.example.local")),
  serviceAccount: fc.oneof(
    wrongType("string"),
    fc.constantFrom("", " ", "VMS\\a\\b", "VMS/svc", "a@b", "@vms.example"),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
    fc.stringMatching(/^[a-z]{1,8}\\[a-z]{1,8}$/).map((s) => ` ${s}`),
  ),
  slots: fc.oneof(
    wrongType("array"),
    fc.constant([]),
    fc.constant(["server", "server"]),
    fc.constant(["eventServer"]),
    fc
      .string()
      .filter(
        (s) => !["server", "streamingMedia", "mobileStreamingMedia", "eventServer", UNKNOWN].includes(s),
      )
      .map((s) => [s]),
  ),
};

const goodServer = (): Props => ({
  ...caInputsOf(cas[0].outs),
  dnsNames: ["rec01.vms.example.local", "rec01"],
  ipAddresses: ["10.0.0.11"],
  validityDays: 730,
  renewBeforeDays: 30,
});
const GOOD_CA: Props = { commonName: "VMS Certificate Authority", rsaBits: 3072 };
const GOOD_BINDING: Props = goodBindingArgs();
const ADOPTION_FIELDS = {
  ca: ["adoptPfx", "adoptPfxPassword", "adoptCertificatePem", "adoptPrivateKeyPem"],
  server: ["adoptPfx"],
};

/** Every failure is {property, reason} with the reason naming the property. */
const wellFormed = (failures: unknown): boolean =>
  Array.isArray(failures) &&
  failures.every(
    (f) =>
      typeof f?.property === "string" &&
      typeof f?.reason === "string" &&
      f.reason.startsWith(`${f.property}: `),
  );

describe("random invalid inputs", () => {
  const providers = () =>
    [
      [
        "CaCertificate",
        caProvider(env),
        () => GOOD_CA,
        CA_BAD,
        [...Object.keys(CA_BAD), ...ADOPTION_FIELDS.ca],
      ],
      [
        "ServerCertificate",
        serverProvider(env),
        goodServer,
        SERVER_BAD,
        [...Object.keys(SERVER_BAD), ...ADOPTION_FIELDS.server],
      ],
      [
        "CertificateBinding",
        bindingProvider(),
        () => GOOD_BINDING,
        BINDING_BAD,
        [...Object.keys(GOOD_BINDING), "serviceAccount", "slots"],
      ],
    ] as const;

  test.each(["CaCertificate", "ServerCertificate", "CertificateBinding"])(
    `%s: ${RUNS} runs with random JSON in every field (and in the old inputs): check resolves, never throws`,
    async (resource) => {
      const [, p, , , fields] = providers().find(([r]) => r === resource)!;
      await timed(`${resource} random fields`, () =>
        fc.assert(
          fc.asyncProperty(
            randomRecord(fields),
            fc.oneof(fc.constant({}), randomRecord(fields)),
            async (news, olds) => {
              const r = await p.check!(olds, news);
              expect(wellFormed(r.failures ?? [])).toBe(true);
            },
          ),
          { numRuns: RUNS },
        ),
      );
    },
  );

  test.each(["CaCertificate", "ServerCertificate", "CertificateBinding"])(
    `%s: ${RUNS} runs with one field wrong (type, range, size, unicode): check reports it`,
    async (resource) => {
      const [, p, good, bad] = providers().find(([r]) => r === resource)!;
      const oneBad = fc
        .constantFrom(...Object.keys(bad))
        .chain((field) => bad[field].map((value) => ({ field, value })));
      await timed(`${resource} one field wrong`, () =>
        fc.assert(
          fc.asyncProperty(oneBad, async ({ field, value }) => {
            const r = await p.check!({}, { ...good(), [field]: value });
            const failures = r.failures ?? [];
            expect(wellFormed(failures)).toBe(true);
            // renewBeforeDays past validityDays, or an account on a role it cannot have, is reported on the field.
            expect(failures.map((f) => f.property.split("[")[0])).toContain(field);
          }),
          { numRuns: RUNS },
        ),
      );
    },
  );

  test(`parseSite: ${RUNS} runs of random JSON (site, passwords, adoption): returns failures, never throws`, async () => {
    const serverName = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom("rec01", "constructor", "toString", "__proto__"),
    );
    const siteShaped = fc.record(
      {
        ca: fc.oneof(weird, randomRecord(["commonName", "rsaBits", "validityDays", "organization", "x"])),
        defaults: fc.oneof(weird, randomRecord(["validityDays", "pfxProfile", "serviceAccount", "slots"])),
        servers: fc.oneof(
          weird,
          fc.dictionary(
            serverName,
            fc.oneof(
              weird,
              randomRecord([
                "role",
                "hostname",
                "dnsNames",
                "ipAddresses",
                "slots",
                "rsaBits",
                "validityDays",
                "serviceAccount",
                "y",
              ]),
            ),
            { maxKeys: 4 },
          ),
        ),
      },
      { requiredKeys: [] },
    );
    await timed("parseSite random", async () =>
      fc.assert(
        fc.property(
          fc.oneof(fc.jsonValue(), siteShaped),
          fc.dictionary(serverName, weird, { maxKeys: 3 }),
          randomRecord(["caPfx", "caPfxPassword", "caCertificatePem", "caPrivateKeyPem", "serverPfx"]),
          (raw, passwords, adoption) => {
            const r = parseSite(raw, passwords, adoption);
            expect(r.site === undefined).toBe(r.failures.length > 0);
            for (const f of r.failures) {
              expect(typeof f.field).toBe("string");
              expect(typeof f.reason).toBe("string");
              if (f.field.startsWith("servers.") && f.field !== "servers")
                expect(typeof f.server).toBe("string");
            }
          },
        ),
        { numRuns: RUNS },
      ),
    );
  });
});

describe("a damaged PFX to adopt", () => {
  test(`ServerCertificate: ${RUNS} runs of a PFX bit-flipped, cut short, padded or replaced, or a wrong password: check never throws, and what it accepts is the original`, async () => {
    const p = serverProvider(env);
    const args = { ...goodServer(), pfxPassword: "Adopt-Me-1" };
    const original = (await p.create((await p.check!({}, args)).inputs)).outs as ServerOutputs;
    const pfx = Buffer.from(original.pfx, "base64");
    const adopting = { ...args, adoptPfx: original.pfx };
    const sane = await p.check!({}, adopting);
    expect(sane.failures ?? []).toEqual([]);
    expect(sane.inputs.adoptedThumbprint).toBe(original.thumbprint);

    const damaged = fc.oneof(
      fc
        .array(fc.tuple(fc.nat(pfx.length - 1), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        })
        .map((flips) => {
          const b = Buffer.from(pfx);
          for (const [at, mask] of flips) b[at] ^= mask;
          return { adoptPfx: b.toString("base64") };
        }),
      fc.nat(pfx.length - 1).map((n) => ({ adoptPfx: pfx.subarray(0, n).toString("base64") })),
      fc
        .uint8Array({ minLength: 1, maxLength: 64 })
        .map((junk) => ({ adoptPfx: Buffer.concat([pfx, junk]).toString("base64") })),
      fc
        .uint8Array({ maxLength: 4000 })
        .map((bytes) => ({ adoptPfx: Buffer.from(bytes).toString("base64") })),
      fc.string({ unit: "binary", maxLength: 200 }).map((s) => ({ adoptPfx: s })),
      fc.string({ maxLength: 40 }).map((s) => ({ pfxPassword: `${s}x` })),
    );
    await timed(`${RUNS} damaged PFX files`, () =>
      fc.assert(
        fc.asyncProperty(damaged, async (damage) => {
          const r = await p.check!({}, { ...adopting, ...damage });
          const failures = r.failures ?? [];
          expect(wellFormed(failures)).toBe(true);
          if (failures.length === 0) expect(r.inputs.adoptedThumbprint).toBe(original.thumbprint);
        }),
        { numRuns: RUNS },
      ),
    );
  });
});

describe("a damaged CA to adopt", () => {
  test(`CaCertificate: ${RUNS} runs of a CA PFX or PEM pair damaged: check never throws, and what it accepts is the original`, async () => {
    const p = caProvider(env);
    const ca = cas[0].outs;
    const pfx = buildPfx({
      privateKeyDer: createPrivateKey(ca.privateKeyPem).export({ type: "pkcs8", format: "der" }),
      certificateDer: Buffer.from(ca.certificateDer, "base64"),
      chainDer: [],
      password: "Adopt-The-CA",
      profile: "legacy-3des",
      friendlyName: "VMS CA Certificate",
      randomBytes,
    });
    const viaPfx = { adoptPfx: pfx.toString("base64"), adoptPfxPassword: "Adopt-The-CA" };
    const viaPem = { adoptCertificatePem: ca.certificatePem, adoptPrivateKeyPem: ca.privateKeyPem };
    for (const way of [viaPfx, viaPem]) {
      const sane = await p.check!({}, way);
      expect(sane.failures ?? []).toEqual([]);
      expect(sane.inputs.adoptedThumbprint).toBe(ca.thumbprint);
    }
    const flip = (bytes: Buffer, flips: Array<[number, number]>) => {
      const b = Buffer.from(bytes);
      for (const [at, mask] of flips) b[at % b.length] ^= mask;
      return b;
    };
    const flips = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
      minLength: 1,
      maxLength: 3,
    });
    const pemBody = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    const pemOf = (label: string, der: Buffer) =>
      `-----BEGIN ${label}-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END ${label}-----\n`;
    const damaged = fc.oneof(
      flips.map((f) => ({ ...viaPfx, adoptPfx: flip(pfx, f).toString("base64") })),
      fc.nat(pfx.length - 1).map((n) => ({ ...viaPfx, adoptPfx: pfx.subarray(0, n).toString("base64") })),
      fc.string({ maxLength: 30 }).map((s) => ({ ...viaPfx, adoptPfxPassword: `${s}!` })),
      fc.constant({ ...viaPem, adoptCertificatePem: cas[1].outs.certificatePem }),
      // A damaged CA certificate with the right key: its self-signature no longer verifies.
      flips.map((f) => ({
        ...viaPem,
        adoptCertificatePem: pemOf("CERTIFICATE", flip(pemBody(ca.certificatePem), f)),
      })),
      flips.map((f) => ({
        ...viaPem,
        adoptPrivateKeyPem: pemOf("PRIVATE KEY", flip(pemBody(ca.privateKeyPem), f)),
      })),
      fc.string({ unit: "binary", maxLength: 200 }).map((s) => ({ ...viaPem, adoptPrivateKeyPem: s })),
      fc.string({ maxLength: 200 }).map((s) => ({
        ...viaPem,
        adoptCertificatePem: `-----BEGIN CERTIFICATE-----\n${s}\n-----END CERTIFICATE-----\n`,
      })),
    );
    await timed(`${RUNS} damaged CA files`, () =>
      fc.assert(
        fc.asyncProperty(damaged, async (args) => {
          const r = await p.check!({}, args);
          const failures = r.failures ?? [];
          expect(wellFormed(failures)).toBe(true);
          if (failures.length === 0) expect(r.inputs.adoptedThumbprint).toBe(ca.thumbprint);
        }),
        { numRuns: RUNS },
      ),
    );
  });
});

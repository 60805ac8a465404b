/**
 * Failure injection at the provider level: key generation, randomness (serial numbers, generated passwords, PFX
 * salts) and signing fail part-way through create, a reissue, or a PFX rebuild. Each time the provider rejects
 * with the cause, what was issued before (certificate, PFX, password) is left exactly as it was, and the next
 * call succeeds with a certificate that verifies.
 *
 * tests/provider/lifecycle.test.ts covers key generation failing during a reissue; this extends it to every
 * other point where issuance can fail.
 */
import { randomBytes, X509Certificate } from "node:crypto";
import { caProvider, CaOutputs } from "../../provider/ca/provider";
import { serverProvider, ServerOutputs } from "../../provider/server/provider";
import type { RuntimeEnv } from "../../provider/runtime/env";
import { openssl } from "../helpers/openssl";
import { caInputsOf, keyPool, KeyPool } from "./fixtures";

type Props = Record<string, unknown>;

/** An environment whose key generation and randomness fail on demand. */
interface FaultyEnv extends RuntimeEnv {
  /** Makes the next key generation throw. */
  failNextKey(): void;
  /** Makes the n-th call of randomBytes from now (1 = the next) throw. */
  failRandomAt(n: number): void;
  /** randomBytes calls so far. */
  randomCalls: number;
}

let pool: KeyPool;
function faultyEnv(): FaultyEnv {
  let failKey = false;
  let failAt = 0;
  const env: FaultyEnv = {
    randomCalls: 0,
    now: () => ({ ok: true, now: new Date("2026-01-15T09:00:00Z"), overridden: true }),
    generateKey: async (bits) => {
      if (failKey) {
        failKey = false;
        throw new Error("injected: key generation failed");
      }
      return pool.generate(bits);
    },
    randomBytes: (size: number) => {
      env.randomCalls++;
      if (failAt > 0 && --failAt === 0) throw new Error("injected: no randomness");
      return randomBytes(size);
    },
    failNextKey: () => {
      failKey = true;
    },
    failRandomAt: (n) => {
      failAt = n;
    },
  };
  return env;
}

/** Deep-frozen, so that a provider that mutated what it was given would throw instead of passing. */
function frozen<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    Object.values(value).forEach(frozen);
    Object.freeze(value);
  }
  return value;
}

let env: FaultyEnv;
let ca: CaOutputs;
let caX: X509Certificate;

beforeAll(async () => {
  pool = await keyPool({ 2048: 2 });
  env = faultyEnv();
  const p = caProvider(env);
  ca = (await p.create((await p.check!({}, { rsaBits: 2048 })).inputs)).outs as CaOutputs;
  caX = new X509Certificate(ca.certificatePem);
});

const serverArgs = (over: Props = {}): Props => ({
  ...caInputsOf(ca),
  dnsNames: ["rec01.vms.example.local"],
  ipAddresses: ["10.0.0.11"],
  ...over,
});

async function checked(args: Props): Promise<Props> {
  const r = await serverProvider(env).check!({}, args);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs;
}

/** The certificate verifies against the CA and its PFX opens with its password. */
function sound(outs: ServerOutputs): void {
  const x = new X509Certificate(outs.certificatePem);
  expect(x.checkIssued(caX) && x.verify(caX.publicKey)).toBe(true);
  const opened = openssl(["pkcs12", "-in", "s.pfx", "-passin", "file:pw", "-nokeys", "-clcerts"], {
    "s.pfx": Buffer.from(outs.pfx, "base64"),
    pw: outs.pfxPassword,
  });
  expect(opened.status).toBe(0);
  expect(opened.stdout).toContain(x.toString().trim().split("\n")[1]);
}

/** How many times one call of `fn` draws randomness. */
async function randomDraws(fn: () => Promise<unknown>): Promise<number> {
  const before = env.randomCalls;
  await fn();
  return env.randomCalls - before;
}

describe("key generation fails", () => {
  test("while the CA is created: create rejects with the cause; the next create makes the CA", async () => {
    const p = caProvider(env);
    const inputs = frozen((await p.check!({}, { rsaBits: 2048 })).inputs);
    env.failNextKey();
    await expect(p.create(inputs)).rejects.toThrow("injected: key generation failed");
    const made = (await p.create(inputs)).outs as CaOutputs;
    const x = new X509Certificate(made.certificatePem);
    expect(x.ca && x.verify(x.publicKey)).toBe(true);
  });

  test("while a server certificate is created: create rejects with the cause; the next create issues it", async () => {
    const p = serverProvider(env);
    const inputs = frozen(await checked(serverArgs()));
    env.failNextKey();
    await expect(p.create(inputs)).rejects.toThrow("injected: key generation failed");
    sound((await p.create(inputs)).outs as ServerOutputs);
  });
});

describe("randomness fails part-way (serial number, generated password, PFX salts and IVs)", () => {
  test("during create: at every draw, create rejects with the cause, and the next create succeeds", async () => {
    const p = serverProvider(env);
    const inputs = frozen(await checked(serverArgs()));
    const draws = await randomDraws(() => p.create(inputs));
    expect(draws).toBeGreaterThanOrEqual(3); // serial, password, PFX salts at least
    for (let k = 1; k <= draws; k++) {
      env.failRandomAt(k);
      await expect(p.create(inputs)).rejects.toThrow("injected: no randomness");
      const outs = (await p.create(inputs)).outs as ServerOutputs;
      expect(outs.dnsNames).toEqual(["rec01.vms.example.local"]);
      if (k === draws) sound(outs);
    }
  });

  test.each<[string, Props]>([
    ["a reissue (new generation, new key)", { generation: 1 }],
    ["a reissue keeping the key (keyRotation never)", { generation: 1, keyRotation: "never" }],
    ["a reissue with a given password", { generation: 1, pfxPassword: "A given one" }],
    ["a PFX rebuild (new password)", { pfxPassword: "Another given one" }],
    ["a PFX rebuild (new profile)", { pfxProfile: "modern-aes256" }],
  ])(
    "during %s: at every draw, update rejects with the cause, the old certificate and PFX stay as they were, and the next update succeeds",
    async (_what, change) => {
      const p = serverProvider(env);
      const olds = frozen((await p.create(await checked(serverArgs()))).outs as ServerOutputs);
      const snapshot = JSON.stringify(olds);
      const news = frozen(await checked(serverArgs(change)));
      expect((await p.diff!("id", olds, news)).changes).toBe(true);
      const draws = await randomDraws(() => p.update!("id", olds, news));
      expect(draws).toBeGreaterThanOrEqual(1);
      for (let k = 1; k <= draws; k++) {
        env.failRandomAt(k);
        await expect(p.update!("id", olds, news)).rejects.toThrow("injected: no randomness");
        expect(JSON.stringify(olds)).toBe(snapshot);
      }
      const next = (await p.update!("id", olds, news)).outs as ServerOutputs;
      expect(JSON.stringify(olds)).toBe(snapshot);
      if ("generation" in change) expect(next.thumbprint).not.toBe(olds.thumbprint);
      else expect(next.thumbprint).toBe(olds.thumbprint);
      expect(next.pfx).not.toBe(olds.pfx);
      sound(next);
      sound(olds);
    },
  );
});

describe("signing fails", () => {
  test("a reissue whose CA key cannot sign rejects with the cause; the old certificate stays; with the key it succeeds", async () => {
    const p = serverProvider(env);
    const olds = frozen((await p.create(await checked(serverArgs()))).outs as ServerOutputs);
    const snapshot = JSON.stringify(olds);
    const good = await checked(serverArgs({ generation: 1 }));
    // The same shape as a CA key (so check lets it through) with numbers that are not a key.
    const broken = frozen({ ...good, caSigningKey: "rsa-pq1.AQAB.AQ.AQ" });
    await expect(p.update!("id", olds, broken)).rejects.toThrow(/compact RSA key|out of range/);
    expect(JSON.stringify(olds)).toBe(snapshot);
    const next = (await p.update!("id", olds, good)).outs as ServerOutputs;
    expect(next.thumbprint).not.toBe(olds.thumbprint);
    sound(next);
  });
});

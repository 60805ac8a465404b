/**
 * Near the CA's end: a certificate cut short by the CA is not renewed by the clock again and again (each time a
 * new key and thumbprint for nothing), and a CA too close to its end stops every server at check, with a message
 * that names the CA, its notAfter and the fix. Through the providers' own check/diff/update, with a moved clock.
 */
import { X509Certificate } from "node:crypto";
import { caProvider, CaOutputs } from "../../provider/ca/provider";
import { serverProvider, ServerOutputs } from "../../provider/server/provider";
import { testEnv, TestEnv } from "../helpers/env";

type Props = Record<string, unknown>;
const DAY = 86_400_000;

let env: TestEnv;
let ca: CaOutputs;

/** A CA valid 60 days, made at 2026-01-15. */
beforeEach(async () => {
  env = testEnv("2026-01-15T09:00:00Z");
  const p = caProvider(env);
  const r = await p.check!({}, { rsaBits: 2048, validityDays: 60 });
  ca = (await p.create(r.inputs)).outs as CaOutputs;
});

const args = (over: Props = {}): Props => ({
  caCertificatePem: ca.certificatePem,
  caSigningKey: ca.signingKey,
  dnsNames: ["rec01.vms.example.local"],
  validityDays: 30,
  renewBeforeDays: 20,
  ...over,
});

/** check, diff and update as the engine runs them for one `up`. */
async function up(olds: ServerOutputs, over: Props = {}) {
  const p = serverProvider(env);
  const r = await p.check!({}, args(over));
  expect(r.failures ?? []).toEqual([]);
  const changes = (await p.diff!("id", olds, r.inputs)).changes === true;
  return { changes, outs: changes ? ((await p.update!("id", olds, r.inputs)).outs as ServerOutputs) : olds };
}

test("17 days before the CA's end: one reissue, capped at the CA; the next up changes nothing", async () => {
  const p = serverProvider(env);
  const first = (await p.create((await p.check!({}, args())).inputs)).outs as ServerOutputs;
  expect(first.validityCapped).toBe(false);
  // 43 days later: the CA has 17 days left; the certificate (30 days, renew 20 before) is due.
  env.setNow(new Date(Date.parse(ca.notAfter) - 17 * DAY).toISOString());
  const renewed = await up(first);
  expect(renewed.changes).toBe(true);
  expect(renewed.outs.validityCapped).toBe(true);
  expect(renewed.outs.notAfter).toBe(ca.notAfter);
  expect(renewed.outs.thumbprint).not.toBe(first.thumbprint);
  const keys = env.keys;
  // Still due (17 days < 20), but a reissue would end on the same day: nothing to do, no key.
  const again = await up(renewed.outs);
  expect(again.changes).toBe(false);
  env.setNow(new Date(Date.parse(ca.notAfter) - 5 * DAY).toISOString());
  expect((await up(renewed.outs)).changes).toBe(false);
  expect(env.keys).toBe(keys);
  // A change of input still reissues (the user asked for it).
  expect((await up(renewed.outs, { generation: 1 })).changes).toBe(true);
});

test.each([
  ["has 12 hours left", 0.5 * DAY, /expires on .*less than a day \(MIN_CERTIFICATE_LIFETIME_MS\)/],
  ["has expired", -3 * DAY, /expired on .*less than a day/],
])(
  "a CA that %s fails check for every server, naming the CA, its notAfter and the fix",
  async (_, offset, reason) => {
    env.setNow(new Date(Date.parse(ca.notAfter) - offset).toISOString());
    for (const name of ["rec01.vms.example.local", "rec02.vms.example.local"]) {
      const r = await serverProvider(env).check!({}, args({ dnsNames: [name] }));
      const failure = r.failures?.find((f) => f.property === "caCertificatePem");
      expect(failure?.reason).toMatch(reason);
      expect(failure?.reason).toContain(ca.thumbprint);
      expect(failure?.reason).toContain(ca.notAfter);
      // The way out is a rotation (the old cut-over, a generation bump, is refused since issue 24).
      expect(failure?.reason).toMatch(
        /rotate to a new root \(README "Rotating the root CA"\)\. If nextCa is staged, switch to it.*minStageDays: 0 on purpose/,
      );
      expect(failure?.reason).not.toMatch(/bump ca\.generation/);
    }
    expect(env.keys).toBe(1); // the CA's own key only
  },
);

test("issued exactly then, a certificate never ends before it begins", async () => {
  env.setNow(new Date(Date.parse(ca.notAfter) - 2 * DAY).toISOString());
  const p = serverProvider(env);
  const r = await p.check!({}, args());
  expect(r.failures ?? []).toEqual([]);
  const outs = (await p.create(r.inputs)).outs as ServerOutputs;
  const x = new X509Certificate(outs.certificatePem);
  expect(Date.parse(x.validTo)).toBeGreaterThan(Date.parse(x.validFrom));
});

test("renewBeforeDays longer than the CA's whole validity is refused at check", async () => {
  const r = await serverProvider(env).check!({}, args({ validityDays: 365, renewBeforeDays: 90 }));
  expect(r.failures?.find((f) => f.property === "renewBeforeDays")?.reason).toMatch(
    /^renewBeforeDays: 90 is more than the site CA .* is valid in all \(60 days\)/,
  );
});

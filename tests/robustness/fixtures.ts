/** Shared by the robustness tests: a CA's outputs as server inputs, and keys handed out from a small pool. */
import { generateRsaKeyPair, KeyGenerator, KeyPair } from "../../provider/pki/keys";
import type { CaOutputs } from "../../provider/ca/provider";

/** What a ServerCertificate takes from its CaCertificate (as the resource class wires it). */
export const caInputsOf = (ca: CaOutputs): Record<string, unknown> => ({
  caCertificatePem: ca.certificatePem,
  caSigningKey: ca.signingKey,
});

/** A key generator that hands out pre-generated keys, round robin per size, and counts what it handed out. */
export interface KeyPool {
  generate: KeyGenerator;
  /** Keys handed out so far. */
  handedOut(): number;
}

/**
 * Makes `perSize[bits]` real keys of each size once (in parallel on the thread pool), then hands them out in
 * turn. Key generation dominates issuance; a pool keeps a thousand issuances to what is tested (check, signing,
 * PFX) while every certificate still carries a real key of the requested size.
 */
export async function keyPool(perSize: Record<number, number>): Promise<KeyPool> {
  const pools = new Map<number, KeyPair[]>();
  await Promise.all(
    Object.entries(perSize).map(async ([bits, n]) => {
      pools.set(
        Number(bits),
        await Promise.all(Array.from({ length: n }, () => generateRsaKeyPair(Number(bits)))),
      );
    }),
  );
  const next = new Map<number, number>();
  let count = 0;
  return {
    generate: async (bits) => {
      const pool = pools.get(bits);
      if (!pool?.length) throw new Error(`keyPool: no ${bits}-bit keys were made`);
      const i = next.get(bits) ?? 0;
      next.set(bits, i + 1);
      count++;
      return pool[i % pool.length];
    },
    handedOut: () => count,
  };
}

/** A binding's valid arguments (rec01, a recording server), as the catalogue and the properties start from. */
export const goodBindingArgs = (): Record<string, unknown> => ({
  role: "recordingServer",
  hostname: "rec01.vms.example.local",
  thumbprint: "AB".repeat(20),
  notAfter: "2028-01-15T09:00:00.000Z",
  certificateDnsNames: ["rec01.vms.example.local", "rec01"],
  certificateRsaBits: 2048,
  certificateValidityDays: 730,
});

/** CaCertificate's provider: make the root once, or adopt an existing one; replace it only on purpose. */
import { createPrivateKey } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import {
  CertificateFacts,
  describeCertificate,
  derToPem,
  issueCertificate,
  caTemplate,
  randomSerial,
  pemToDer,
} from "../pki";
import { compactRsaKey } from "../pki/compact-key";
import { forEngine } from "../validate/fields";
import { AdoptedCa, CA_ADOPT_FIELDS, CA_IDENTITY_FIELDS, CaInputs, validateCaArgs } from "./check";
import { clockFailures, nowOf, RuntimeEnv } from "../runtime/env";
import { same, withoutProvider } from "../runtime/json";
import { mismatches } from "../runtime/read";

export interface CaOutputs extends Omit<CaInputs, (typeof CA_ADOPT_FIELDS)[number]>, CertificateFacts {
  certificatePem: string;
  /** DER, base64: what clients import as a .cer file. */
  certificateDer: string;
  privateKeyPem: string;
  /** The key in compact form (secret): what server certificates take as `caSigningKey`. */
  signingKey: string;
  /** True when the CA was adopted rather than made here. */
  adopted: boolean;
  /** An adopted CA without basicConstraints (as the vendor's script makes it). */
  basicConstraintsAbsent: boolean;
  /**
   * When this root joined the stack (made or adopted here; absent for roots made before it was kept). A root
   * rotation's switch counts `minStageDays` from it, not from the certificate's notBefore.
   */
  stagedAt?: string;
}

export function caProvider(env: RuntimeEnv): pulumi.dynamic.ResourceProvider {
  return {
    async check(olds, news) {
      const now = env.now();
      const { inputs, failures } = validateCaArgs(news, olds, now.ok ? now.now : new Date());
      return { inputs, failures: forEngine([...failures, ...clockFailures(env)]) };
    },

    async diff(_id, olds: CaOutputs, news: CaInputs) {
      const replaces = CA_IDENTITY_FIELDS.filter((f) => !same(olds[f], news[f]));
      if (replaces.length > 0) return { changes: true, replaces, deleteBeforeReplace: false };
      // State written before signingKey existed gets it on the next up.
      return { changes: !same(olds.friendlyName, news.friendlyName) || !olds.signingKey };
    },

    async create(inputs: CaInputs) {
      const outs = await makeOrAdopt(inputs, env);
      return { id: outs.thumbprint, outs };
    },

    async update(_id, olds: CaOutputs, news: CaInputs) {
      // diff sends every identity change to replace: only the friendly name (or a missing signingKey) reaches here.
      return {
        outs: {
          ...withoutProvider(olds),
          friendlyName: news.friendlyName,
          signingKey: olds.signingKey || compactRsaKey(olds.privateKeyPem),
        },
      };
    },

    async read(id, props: CaOutputs) {
      const recomputed = {
        ...factsOf(props.certificatePem),
        certificateDer: pemToDer(props.certificatePem).toString("base64"),
      };
      const wrong = mismatches(props, recomputed);
      if (props.signingKey && compactRsaKey(props.privateKeyPem) !== props.signingKey)
        wrong.push("signingKey");
      if (wrong.length > 0) {
        throw new Error(
          `the state of CA ${id} does not match its certificate (${wrong.join(", ")} differ): it was edited ` +
            `outside Pulumi. Restore the state from a backup (the backend keeps history) rather than refresh over it.`,
        );
      }
      return { id, props };
    },
  };
}

async function makeOrAdopt(inputs: CaInputs, env: RuntimeEnv): Promise<CaOutputs> {
  const identity = withoutAdoptFields(inputs);
  if (inputs.adoptedThumbprint) {
    const { adopted, failures } = validateCaArgs({ ...inputs }, undefined, nowOf(env));
    if (!adopted || failures.length > 0) {
      throw new Error(
        forEngine(failures)
          .map((f) => f.reason)
          .join("; ") || "the CA to adopt cannot be opened",
      );
    }
    return { ...outputsOf(identity, adopted), stagedAt: nowOf(env).toISOString() };
  }
  const now = nowOf(env);
  const key = await env.generateKey(inputs.rsaBits);
  const issued = issueCertificate({
    template: caTemplate(inputs),
    publicKeyDer: key.publicKeyDer,
    selfSigningKey: createPrivateKey(key.privateKeyPem),
    serial: randomSerial(env.randomBytes),
    now,
  });
  return {
    ...outputsOf(
      identity,
      { certificateDer: issued.der, privateKeyPem: key.privateKeyPem, basicConstraintsAbsent: false },
      false,
    ),
    stagedAt: now.toISOString(),
  };
}

function outputsOf(
  identity: Omit<CaInputs, (typeof CA_ADOPT_FIELDS)[number]>,
  ca: AdoptedCa,
  adopted = true,
): CaOutputs {
  const certificatePem = derToPem(ca.certificateDer);
  return {
    ...identity,
    certificatePem,
    certificateDer: ca.certificateDer.toString("base64"),
    privateKeyPem: ca.privateKeyPem,
    signingKey: compactRsaKey(ca.privateKeyPem),
    adopted,
    basicConstraintsAbsent: ca.basicConstraintsAbsent,
    ...factsOf(certificatePem),
  };
}

function withoutAdoptFields(inputs: CaInputs): Omit<CaInputs, (typeof CA_ADOPT_FIELDS)[number]> {
  const copy = { ...inputs };
  for (const f of CA_ADOPT_FIELDS) delete copy[f];
  return copy;
}

const factsOf = (certificatePem: string) => describeCertificate(pemToDer(certificatePem));

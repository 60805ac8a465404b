/** CaCertificate's provider: make the root once; replace it only on purpose. */
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
import { privateKeyObject } from "../pki/keys";
import { CA_IDENTITY_FIELDS, CaInputs, validateCaArgs } from "../validate/ca";
import { clockFailures, nowOf, RuntimeEnv, same, withoutProvider } from "./env";

export interface CaOutputs extends CaInputs, CertificateFacts {
  certificatePem: string;
  /** DER, base64: what clients import as a .cer file. */
  certificateDer: string;
  privateKeyPem: string;
}

export function caProvider(env: RuntimeEnv): pulumi.dynamic.ResourceProvider {
  return {
    async check(olds, news) {
      const { inputs, failures } = validateCaArgs(news, olds);
      return { inputs, failures: [...failures, ...clockFailures(env)] };
    },

    async diff(_id, olds: CaOutputs, news: CaInputs) {
      const replaces = CA_IDENTITY_FIELDS.filter((f) => !same(olds[f], news[f]));
      if (replaces.length > 0) return { changes: true, replaces, deleteBeforeReplace: false };
      return { changes: !same(olds.friendlyName, news.friendlyName) };
    },

    async create(inputs: CaInputs) {
      const outs = await makeCa(inputs, env);
      return { id: outs.thumbprint, outs };
    },

    async update(_id, olds: CaOutputs, news: CaInputs) {
      // diff sends every identity change to replace: only the friendly name reaches here.
      return {
        outs: {
          ...withoutProvider(olds as never as Record<string, unknown>),
          friendlyName: news.friendlyName,
        },
      };
    },

    async read(id, props: CaOutputs) {
      return { id, props: { ...props, ...factsOf(props.certificatePem) } };
    },
  };
}

async function makeCa(inputs: CaInputs, env: RuntimeEnv): Promise<CaOutputs> {
  const now = nowOf(env);
  const key = await env.generateKey(inputs.rsaBits);
  const issued = issueCertificate({
    template: caTemplate(inputs),
    publicKeyDer: key.publicKeyDer,
    selfSigningKey: privateKeyObject(key.privateKeyPem),
    serial: randomSerial(env.randomBytes),
    now,
  });
  const certificatePem = derToPem(issued.der);
  return {
    ...inputs,
    certificatePem,
    certificateDer: issued.der.toString("base64"),
    privateKeyPem: key.privateKeyPem,
    ...factsOf(certificatePem),
  };
}

const factsOf = (certificatePem: string) => describeCertificate(pemToDer(certificatePem));

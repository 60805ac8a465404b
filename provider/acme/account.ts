/**
 * AcmeAccount's provider: the account at an ACME CA. Its key is made once, kept secret in the state and reused by
 * every public certificate of the site; only a new directory or a new EAB key id makes a new account. Creating it
 * is the user's agreement to the CA's terms of service (README). preview never reaches the CA (check and diff do
 * not); create and update do.
 */
import type * as pulumi from "@pulumi/pulumi";
import { forEngine, isUnknown } from "../validate/fields";
import { same } from "../runtime/json";
import { createAccount, updateAccountEmail } from "./client";

export interface AccountInputs {
  directoryUrl: string;
  email: string;
  eabKeyId?: string;
  /** Secret: the CA's EAB HMAC key (base64url). */
  eabHmacKey?: string;
}

export interface AccountOutputs {
  directoryUrl: string;
  email: string;
  eabKeyId?: string;
  accountUrl: string;
  /** Secret: the account's private key (PEM). */
  accountKey: string;
}

/** A change of these makes a new account (a new key at the other CA, or a new binding). */
const REPLACE_FIELDS = ["directoryUrl", "eabKeyId"] as const;

export function accountProvider(): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds, news) {
      const failures: { property: string; reason: string }[] = [];
      const n = news as Record<string, unknown>;
      if (
        !isUnknown(n.directoryUrl) &&
        (typeof n.directoryUrl !== "string" || !n.directoryUrl.startsWith("https://"))
      ) {
        failures.push({
          property: "directoryUrl",
          reason: `${JSON.stringify(n.directoryUrl)} is not an https:// URL`,
        });
      }
      if (!isUnknown(n.email) && typeof n.email !== "string") {
        failures.push({ property: "email", reason: `${JSON.stringify(n.email)} is not an email address` });
      }
      if (n.eabKeyId !== undefined && n.eabHmacKey === undefined) {
        failures.push({ property: "eabHmacKey", reason: "missing: the EAB key id needs its HMAC key" });
      }
      return { inputs: news, failures: forEngine(failures) };
    },
    async diff(_id, olds: AccountOutputs, news: AccountInputs) {
      const replaces = REPLACE_FIELDS.filter((f) => !same(olds[f], news[f]));
      return { changes: replaces.length > 0 || !same(olds.email, news.email), replaces };
    },
    async create(inputs: AccountInputs) {
      const { accountKey, accountUrl } = await createAccount({
        directoryUrl: inputs.directoryUrl,
        email: inputs.email,
        ...(inputs.eabKeyId && inputs.eabHmacKey
          ? { eab: { keyId: inputs.eabKeyId, hmacKey: inputs.eabHmacKey } }
          : {}),
      });
      const outs: AccountOutputs = {
        directoryUrl: inputs.directoryUrl,
        email: inputs.email,
        ...(inputs.eabKeyId ? { eabKeyId: inputs.eabKeyId } : {}),
        accountUrl,
        accountKey,
      };
      return { id: accountUrl, outs };
    },
    async update(_id, olds: AccountOutputs, news: AccountInputs) {
      await updateAccountEmail({ ...olds, email: news.email });
      return { outs: { ...olds, email: news.email } };
    },
    async read(id, props) {
      return { id, props };
    },
    // The account stays at the CA (it holds no certificate of ours once the state forgets it).
    async delete() {},
  };
}

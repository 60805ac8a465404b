/**
 * The module the engine's dynamic-provider process loads (compiled, from dist/). The serialized provider in
 * each resource's state is only a small loader that requires this file: see ../dynamic.ts.
 */
import { bindingProvider } from "../binding/provider";
import { caProvider } from "../ca/provider";
import { systemEnv } from "./env";
import { serverProvider } from "../server/provider";
import { accountProvider } from "../acme/account";
import { publicProvider } from "../acme/public";

const env = systemEnv();

export const providers = {
  ca: caProvider(env),
  server: serverProvider(env),
  binding: bindingProvider(),
  acmeAccount: accountProvider(),
  public: publicProvider(env),
};

/**
 * How a server certificate knows its CA at preview: by the CA's id (its thumbprint), which stays known while
 * the CA is updated in place, so that renaming the CA does not show every server as changing; an unknown id
 * (the CA being replaced) means a reissue.
 */
import { caProvider, CaOutputs } from "../../provider/ca/provider";
import { planServerChange, serverProvider, ServerOutputs } from "../../provider/server/provider";
import { UNKNOWN } from "../../provider/validate/fields";
import type { ServerInputs } from "../../provider/server/check";
import { testEnv } from "../helpers/env";

const env = testEnv();
let ca: CaOutputs;
let server: ServerOutputs;
let inputs: ServerInputs;

beforeAll(async () => {
  const c = await caProvider(env).check!({}, { rsaBits: 2048 });
  ca = (await caProvider(env).create(c.inputs)).outs as CaOutputs;
  const s = await serverProvider(env).check!(
    {},
    {
      caCertificatePem: ca.certificatePem,
      caId: ca.thumbprint,
      caSigningKey: ca.signingKey,
      dnsNames: ["rec01.vms.example.local"],
    },
  );
  inputs = s.inputs as ServerInputs;
  server = (await serverProvider(env).create(inputs)).outs as ServerOutputs;
});

const now = () => new Date(Date.parse(server.notBefore) + 86400_000);

test.each<[string, Partial<ServerInputs>, string[]]>([
  [
    "the CA updated in place: PEM unknown, id known",
    { caCertificatePem: UNKNOWN, caSigningKey: UNKNOWN },
    [],
  ],
  [
    "the CA replaced: id and PEM unknown",
    { caCertificatePem: UNKNOWN, caId: UNKNOWN, caSigningKey: UNKNOWN },
    ["ca"],
  ],
  ["another CA's id", { caId: "00".repeat(20) }, ["ca"]],
  ["no id (state from before caId): the PEM decides", { caId: undefined }, []],
])("%s", (_, change, reissue) => {
  expect(planServerChange(server, { ...inputs, ...change } as ServerInputs, now()).reissue).toEqual(reissue);
});

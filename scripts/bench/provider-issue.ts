/**
 * Provider-level issuance, no engine: `check` + `create` of N server certificates at once (as the engine's
 * provider process receives them, minus the engine), then `diff` of the N unchanged certificates.
 */
import { X509Certificate } from "node:crypto";
import { providers } from "../../provider/runtime";
import { assertChecked, captureInputs } from "./provider-inputs";
import { keysLogged, withKeylog } from "./keylog";
import type { BenchServer } from "./site-spec";
import { Progress, timed } from "./timer";

type Props = Record<string, unknown>;

export interface ProviderFigures {
  /** check + create of the N certificates, all at once. */
  issueMs: number;
  /** Keys made by those creates (N expected). */
  issueKeys: number;
  /** check of the N unchanged inputs (untimed in the targets; what a no-op run also does). */
  noopCheckMs: number;
  /** diff of the N unchanged certificates (old outputs against the same inputs). */
  noopDiffMs: number;
  /** Keys made meanwhile (target 0). */
  noopKeys: number;
  /** Diffs that reported a change (0 expected). */
  noopChanged: number;
  /** The CA's RSA size, so that the OpenSSL script signs with a CA of the same size. */
  caRsaBits: number;
  /** The CA's validity, for the same reason. */
  caValidityDays: number;
}

export interface ProviderBenchRequest {
  servers: BenchServer[];
  /** File for XPROTECT_CERTS_KEYLOG (created by the provider when it makes a key). */
  keylog: string;
  progress: Progress;
}

export async function measureProvider(req: ProviderBenchRequest): Promise<ProviderFigures> {
  const server = providers.server;
  return withKeylog(req.keylog, async () => {
    req.progress("provider: making the CA and the inputs (untimed)");
    const { caOutputs, serverNews } = await captureInputs(req.servers);

    req.progress(`provider: check + create of ${req.servers.length} certificates`);
    const keys0 = keysLogged(req.keylog);
    const issue = await timed(() =>
      Promise.all(
        serverNews.map(async (news) => {
          const checked = await server.check!({}, news);
          assertChecked("server", checked.failures);
          const made = await server.create(checked.inputs);
          return { inputs: checked.inputs as Props, outs: made.outs as Props };
        }),
      ),
    );
    const keys1 = keysLogged(req.keylog);

    req.progress(`provider: check + diff of ${req.servers.length} unchanged certificates`);
    const check = await timed(() =>
      Promise.all(serverNews.map((news, i) => server.check!(issue.result[i].inputs, news))),
    );
    // The engine hands diff the old outputs, which carry the serialized provider too.
    const olds = issue.result.map((r, i) => ({ ...r.outs, __provider: serverNews[i].__provider }));
    const diff = await timed(() =>
      Promise.all(check.result.map((c, i) => server.diff!(String(i), olds[i], c.inputs))),
    );
    const keys2 = keysLogged(req.keylog);

    const ca = new X509Certificate(String(caOutputs.certificatePem));
    return {
      issueMs: issue.ms,
      issueKeys: keys1 - keys0,
      noopCheckMs: check.ms,
      noopDiffMs: diff.ms,
      noopKeys: keys2 - keys1,
      noopChanged: diff.result.filter((d) => d.changes !== false).length,
      caRsaBits: ca.publicKey.asymmetricKeyDetails?.modulusLength ?? 0,
      caValidityDays: Math.round((Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / 86400000),
    };
  });
}

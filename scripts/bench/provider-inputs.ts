/**
 * The inputs the engine would hand the server provider, made by the resource classes themselves (under Pulumi's
 * mocks, in this process) rather than written here: whatever the classes pass (the CA's certificate and key, the
 * serialized provider, defaults) is what the benchmark issues with. The CA is made once by the real CA provider
 * (its check and create), untimed.
 */
import * as pulumi from "@pulumi/pulumi";
import { CaCertificate } from "../../provider/ca/resource";
import { ServerCertificate } from "../../provider/server/resource";
import { providers } from "../../provider/runtime";
import type { BenchServer } from "./site-spec";

type Props = Record<string, unknown>;

export interface CapturedInputs {
  /** The CA provider's outputs (the real CA). */
  caOutputs: Props;
  /** Per server, in order: the properties ServerCertificate registers (what check receives as news). */
  serverNews: Props[];
}

/** Fails with the provider's own failures when check refuses the inputs. */
export function assertChecked(what: string, failures: pulumi.dynamic.CheckFailure[] | undefined): void {
  if (failures && failures.length > 0) {
    const list = failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
    throw new Error(`bench: the ${what} provider's check refused the benchmark's inputs: ${list}`);
  }
}

/**
 * Mock state of a server certificate: none. The mocks run as a preview, so its outputs stay unknown and the
 * class's own callbacks on them do not run (its real outputs come from the timed create).
 */
const NO_STATE: Props = {};

export async function captureInputs(servers: BenchServer[]): Promise<CapturedInputs> {
  const news = new Map<string, Props>();
  let caOutputs: Props | undefined;
  let allRegistered: () => void = () => undefined;
  const registered = new Promise<void>((resolve) => (allRegistered = resolve));
  let failed: (e: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => (failed = reject));

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        try {
          const kind = args.type.split(":").pop();
          if (kind === "CaCertificate") {
            const checked = await providers.ca.check!({}, args.inputs);
            assertChecked("CA", checked.failures);
            const made = await providers.ca.create(checked.inputs);
            caOutputs = made.outs as Props;
            return { id: made.id, state: caOutputs };
          }
          news.set(args.name, args.inputs);
          if (news.size === servers.length) allRegistered();
          return { id: args.name, state: NO_STATE };
        } catch (e) {
          failed(e);
          throw e;
        }
      },
      call: () => ({}),
    },
    "xprotect-certs",
    "bench",
    true,
  );
  const ca = new CaCertificate("site-ca", {}, { protect: false });
  for (const s of servers) {
    new ServerCertificate(s.name, { ca, dnsNames: s.dnsNames, ipAddresses: s.ipAddresses });
  }
  await Promise.race([registered, failure]);
  if (!caOutputs) throw new Error("bench: the CA was not created before its servers registered");
  return { caOutputs, serverNews: servers.map((s) => news.get(s.name)!) };
}

/** CertificateBinding's provider: what an installer needs to put a certificate on a server role. */
import type * as pulumi from "@pulumi/pulumi";
import { enableEncryptionCommand, ROLE_FACTS, SLOT_GROUP_IDS, Slot } from "../xprotect/roles";
import { BindingInputs, validateBindingArgs } from "./check";
import { forEngine } from "../validate/fields";
import { same } from "../runtime/json";

/** One encryption slot of a binding. */
export interface SlotBinding {
  /** `server`, `streamingMedia`, `mobileStreamingMedia` or `eventServer`. */
  slot: Slot;
  /** The certificate group id the Server Configurator uses for the slot. */
  groupId: string;
  /** The Server Configurator command line that enables the slot with this certificate. */
  command: string;
}

export interface BindingOutputs extends Omit<BindingInputs, "slots"> {
  serviceName: string;
  /** The slots' names, as given (echoed for diff). */
  slotNames: Slot[];
  /** Each slot with its certificate group id and the Server Configurator command line. */
  slots: SlotBinding[];
}

export function bindingOutputs(inputs: BindingInputs): BindingOutputs {
  return {
    ...inputs,
    serviceName: ROLE_FACTS[inputs.role].serviceName,
    slotNames: inputs.slots,
    // A certificate awaiting its signature (issuer external) has no thumbprint yet: nothing to enable.
    slots: (inputs.thumbprint ? inputs.slots : []).map((slot) => ({
      slot,
      groupId: SLOT_GROUP_IDS[slot],
      command: enableEncryptionCommand(slot, inputs.thumbprint),
    })),
  };
}

const COMPARED = [
  "role",
  "hostname",
  "serviceAccount",
  "slots",
  "thumbprint",
  "notAfter",
  "certificateDnsNames",
  "certificateRsaBits",
  "certificateValidityDays",
] as const;

export function bindingProvider(): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds, news) {
      const { inputs, failures } = validateBindingArgs(news);
      return { inputs, failures: forEngine(failures) };
    },
    async diff(_id, olds: BindingOutputs, news: BindingInputs) {
      const before: Record<string, unknown> = { ...olds, slots: olds.slotNames };
      return { changes: COMPARED.some((f) => !same(before[f], news[f])) };
    },
    async create(inputs: BindingInputs) {
      return { id: `${inputs.hostname}/${inputs.role}`, outs: bindingOutputs(inputs) };
    },
    async update(_id, _olds, news: BindingInputs) {
      return { outs: bindingOutputs(news) };
    },
    async read(id, props: BindingOutputs) {
      return { id, props };
    },
    async delete() {},
  };
}

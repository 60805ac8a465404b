/** The site's outputs: contract version 1 (stacks/outputs.schema.json, README "The outputs"). */
import type { SlotBinding } from "../binding/provider";

/** Bumped when a field of the outputs changes meaning or goes away (adding one does not). */
export const CONTRACT_VERSION = 1;

/** One server in the `servers` output. */
export interface ServerOutput {
  role: string;
  hostname: string;
  dnsNames: string[];
  ipAddresses: string[];
  thumbprint: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  renewalDue: string;
  serviceName: string;
  serviceAccount: string;
  /** Lower first: the order in which the vendor says to switch encryption on across a site. */
  enableOrder: number;
  slots: SlotBinding[];
}

/**
 * Where the state's bytes go, from the text of `pulumi stack export`: the whole, one resource of each kind (the
 * mean over the kind, as it stands in the export), and the serialized provider each dynamic resource stores.
 */

export interface StateBytes {
  /** The export, in bytes (UTF-8). */
  total: number;
  /** Mean bytes of one ServerCertificate resource (URN, inputs, outputs, bookkeeping). */
  perServerCertificate: number;
  /** Mean bytes of one CertificateBinding resource. */
  perBinding: number;
  /** Bytes of the CaCertificate resource. */
  ca: number;
  /** Bytes of the stack resource (the program's outputs). */
  stackResource: number;
  /** Bytes of one `__provider` string (a ServerCertificate's; each resource stores it in inputs and outputs). */
  providerClosure: number;
  /** Certificates in the state. */
  certificates: number;
}

interface ExportedResource {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** The export's indentation (4 spaces) and a resource's depth in it (deployment.resources[i]). */
const INDENT = 4;
const RESOURCE_DEPTH = 3;

/** Bytes of a resource as it stands in the export: its pretty-printed JSON at its depth, with its comma. */
const bytesInExport = (r: ExportedResource): number => {
  const text = JSON.stringify(r, null, INDENT).replace(/\n/g, "\n" + " ".repeat(INDENT * RESOURCE_DEPTH));
  return Buffer.byteLength(text) + INDENT * RESOURCE_DEPTH + 2;
};

const mean = (xs: number[]): number =>
  xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0;

const ofType = (resources: ExportedResource[], suffix: string) =>
  resources.filter((r) => r.type === suffix || r.type.endsWith(`:${suffix}`));

export function measureState(exportText: string): StateBytes {
  const resources =
    (JSON.parse(exportText) as { deployment: { resources?: ExportedResource[] } }).deployment.resources ?? [];
  const certificates = ofType(resources, "ServerCertificate");
  const provider = certificates[0]?.inputs?.__provider;
  return {
    total: Buffer.byteLength(exportText),
    perServerCertificate: mean(certificates.map(bytesInExport)),
    perBinding: mean(ofType(resources, "CertificateBinding").map(bytesInExport)),
    ca: mean(ofType(resources, "CaCertificate").map(bytesInExport)),
    stackResource: mean(ofType(resources, "pulumi:pulumi:Stack").map(bytesInExport)),
    providerClosure: typeof provider === "string" ? Buffer.byteLength(provider) : 0,
    certificates: certificates.length,
  };
}

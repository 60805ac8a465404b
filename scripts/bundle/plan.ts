/**
 * The files of a bundle, as a plan the CLI writes: what goes in which folder with which mode. Pure.
 *
 * Layout under the --out folder:
 *   order.txt                      the bundled servers in enable order
 *   <server>/<server>.pfx          that server's PFX (its key, its certificate, the CA)
 *   <server>/<server>.json         its manifest (scripts/bundle/manifest.schema.json)
 *   <server>/ca-<thumbprint>.cer   each root to trust
 *   clients/ca-<thumbprint>.cer    with --clients: each root clients must trust
 *   clients/<client script>        with --clients: the script that trusts exactly those
 */
import { BundleOutputs, inEnableOrder, orderText, serverManifest, TrustedCa } from "./manifest";

/** Private material: files 0600, folders 0700. */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export interface PlannedFile {
  /** Relative to the --out folder, with "/" separators. */
  path: string;
  content: Buffer;
  mode: number;
}

export interface BundlePlan {
  /** Folders to create (relative; "" is the --out folder itself). */
  dirs: Array<{ path: string; mode: number }>;
  files: PlannedFile[];
}

export interface PlanInput {
  outputs: BundleOutputs;
  stack: string;
  /** Servers to bundle (already checked). */
  servers: string[];
  /** With the client kit: its script's name and content. */
  clientScript?: { name: string; content: string };
}

const caFiles = (dir: string, cas: TrustedCa[]): PlannedFile[] =>
  cas.map((c) => ({
    path: `${dir}/${c.file}`,
    content: Buffer.from(c.certificateDer, "base64"),
    mode: FILE_MODE,
  }));

/** The bundle's folders and files. */
export function planBundle({ outputs, stack, servers, clientScript }: PlanInput): BundlePlan {
  const plan: BundlePlan = { dirs: [{ path: "", mode: DIR_MODE }], files: [] };
  const ordered = inEnableOrder(outputs.servers, servers);
  for (const name of ordered) {
    const manifest = serverManifest(outputs, stack, name);
    plan.dirs.push({ path: name, mode: DIR_MODE });
    plan.files.push(
      {
        path: `${name}/${manifest.pfxFile}`,
        content: Buffer.from(outputs.pfx[name], "base64"),
        mode: FILE_MODE,
      },
      {
        path: `${name}/${name}.json`,
        content: Buffer.from(JSON.stringify(manifest, null, 2) + "\n"),
        mode: FILE_MODE,
      },
      ...caFiles(name, outputs.trustedCas),
    );
  }
  if (ordered.length)
    plan.files.push({ path: "order.txt", content: Buffer.from(orderText(ordered)), mode: FILE_MODE });
  if (clientScript) {
    plan.dirs.push({ path: "clients", mode: DIR_MODE });
    plan.files.push(...caFiles("clients", outputs.trustedCas), {
      path: `clients/${clientScript.name}`,
      content: Buffer.from(clientScript.content),
      mode: FILE_MODE,
    });
  }
  return plan;
}

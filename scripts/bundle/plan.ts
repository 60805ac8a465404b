/**
 * The files of a bundle, as a plan the CLI writes: what goes in which folder with which mode. Pure.
 *
 * Layout under the --out folder:
 *   order.txt                      the bundled servers in enable order
 *   <server>/<server>.pfx          that server's PFX (its key, its certificate, the CA)
 *   <server>/<server>-public.pfx   with a public certificate (ACME): its PFX (its key, its leaf, the intermediates)
 *   <server>/<server>.json         its manifest (scripts/bundle/manifest.schema.json)
 *   <server>/ca-<thumbprint>.cer   each root to trust
 *   <node>/...                     a clustered management server: one folder per node (the node host name's
 *                                  first label) with <server>.pfx, <server>-identity-provider.pfx, <node>.json
 *                                  and the roots; order.txt lists the node folders
 *   clients/ca-<thumbprint>.cer    with --clients: each root clients must trust
 *   clients/site.txt               with --clients: the stack's name, which the script marks the roots with
 *   clients/<client script>        with --clients: the script that trusts exactly those
 */
import { BundleOutputs, inEnableOrder, orderText, serverManifest, TrustedCa } from "./manifest";
import { checkManifest } from "./validate";
import { bundleFolders, identityProviderPfxFile, nodeManifest } from "./cluster";

/** Private material: files 0600, folders 0700. */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** The client kit's file naming the site (the stack): the script marks the roots it trusts with it. */
export const SITE_FILE = "site.txt";

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

/**
 * The bundle's folders and files. Throws (before anything is written) when a manifest would not validate
 * against its schema.
 */
export function planBundle({ outputs, stack, servers, clientScript }: PlanInput): BundlePlan {
  const plan: BundlePlan = { dirs: [{ path: "", mode: DIR_MODE }], files: [] };
  const ordered = inEnableOrder(outputs.servers, servers);
  for (const { folder, server, hostname } of bundleFolders(outputs, ordered)) {
    if (folder !== server) {
      // A cluster node: the server's PFX, the identity provider's, and the node's manifest.
      const manifest = nodeManifest(outputs, serverManifest(outputs, stack, server), hostname);
      checkManifest(`${server} (node ${hostname})`, manifest);
      plan.dirs.push({ path: folder, mode: DIR_MODE });
      plan.files.push(
        {
          path: `${folder}/${manifest.pfxFile}`,
          content: Buffer.from(outputs.pfx[server], "base64"),
          mode: FILE_MODE,
        },
        {
          path: `${folder}/${identityProviderPfxFile(server)}`,
          content: Buffer.from(outputs.identityProviderPfx[server], "base64"),
          mode: FILE_MODE,
        },
        {
          path: `${folder}/${folder}.json`,
          content: Buffer.from(JSON.stringify(manifest, null, 2) + "\n"),
          mode: FILE_MODE,
        },
        ...caFiles(folder, outputs.trustedCas),
      );
      continue;
    }
    const name = server;
    const manifest = serverManifest(outputs, stack, name);
    checkManifest(name, manifest);
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
    if (manifest.publicPfxFile) {
      plan.files.push({
        path: `${name}/${manifest.publicPfxFile}`,
        content: Buffer.from(outputs.publicPfx[name], "base64"),
        mode: FILE_MODE,
      });
    }
  }
  if (ordered.length) {
    const folders = bundleFolders(outputs, ordered).map((f) => f.folder);
    plan.files.push({ path: "order.txt", content: Buffer.from(orderText(folders)), mode: FILE_MODE });
  }
  if (clientScript) {
    plan.dirs.push({ path: "clients", mode: DIR_MODE });
    plan.files.push(
      ...caFiles("clients", outputs.trustedCas),
      { path: `clients/${SITE_FILE}`, content: Buffer.from(`${stack}\n`), mode: FILE_MODE },
      {
        path: `clients/${clientScript.name}`,
        content: Buffer.from(clientScript.content),
        mode: FILE_MODE,
      },
    );
  }
  return plan;
}

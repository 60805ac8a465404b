/**
 * The files a site config names (certificates are public: they live in the repository, next to Pulumi.yaml):
 * `externalRoots` and each server's `signedCertificate` are paths relative to the project folder, read here and
 * handed to XProtectSite as PEM text (a DER `.cer` becomes PEM). A missing or unreadable file is a config problem
 * naming the key, the path and the fix.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { derToPem } from "../provider/pki/x509";
import { isRecord } from "../provider/contract";
import type { SiteFailure } from "../provider/site/config";

/** The site config with its file paths replaced by the files' text, and any file that could not be read. */
export function readSiteFiles(raw: unknown, projectDir: string): { site: unknown; failures: SiteFailure[] } {
  const failures: SiteFailure[] = [];
  if (!isRecord(raw)) return { site: raw, failures };
  const read = (field: string, file: unknown, server?: string): unknown => {
    if (typeof file !== "string") return file; // not a path: the site's own check names it
    const full = path.resolve(projectDir, file);
    try {
      return certificateText(fs.readFileSync(full));
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : (e as Error).message;
      failures.push({
        server,
        field,
        reason:
          `"${file}" ${why} (${full}): paths are relative to the project folder (where Pulumi.yaml is); ` +
          `commit the file there` +
          (server ? `, or leave signedCertificate out until the request is signed` : ""),
      });
      return file;
    }
  };
  const site: Record<string, unknown> = { ...raw };
  if (Array.isArray(raw.externalRoots)) {
    site.externalRoots = raw.externalRoots.map((f, i) => read(`externalRoots[${i}]`, f));
  }
  if (isRecord(raw.servers)) {
    site.servers = Object.fromEntries(
      Object.entries(raw.servers).map(([name, server]) => {
        if (!isRecord(server) || server.signedCertificate === undefined) return [name, server];
        const text = read(`servers.${name}.signedCertificate`, server.signedCertificate, name);
        return [name, { ...server, signedCertificate: text }];
      }),
    );
  }
  return { site, failures };
}

/** PEM as it is; anything else is taken as one DER certificate (a `.cer` as certreq writes it). */
function certificateText(bytes: Buffer): string {
  const text = bytes.toString("latin1");
  return text.includes("-----BEGIN") ? text : derToPem(bytes);
}

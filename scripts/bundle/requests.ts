/**
 * `npm run bundle -- --requests`: the requests waiting for an enterprise CA (servers with `issuer: external`), each
 * as `requests/<server>.csr`, and `requests/certreq.txt` with the AD CS command that submits each one. Requests
 * are public (no key in them). Pure.
 */
import { certreqCommand, PendingRequest } from "../../provider/contract";
import { FILE_MODE, PlannedFile } from "./plan";

/** The folder under --out. */
export const REQUESTS_DIR = "requests";

export function requestFiles(pending: PendingRequest[]): PlannedFile[] {
  if (pending.length === 0) return [];
  const commands = pending.map(
    (p) =>
      `# ${p.server} (${p.hostname}): request ${p.requestId} of ${p.requestedAt}, ` +
      `${p.awaiting ? "first certificate" : "renewal"}\n${certreqCommand(p)}\n`,
  );
  return [
    ...pending.map((p) => ({
      path: `${REQUESTS_DIR}/${p.server}.csr`,
      content: Buffer.from(p.certificateRequestPem),
      mode: FILE_MODE,
    })),
    {
      path: `${REQUESTS_DIR}/certreq.txt`,
      content: Buffer.from(
        "# On a domain computer that may enroll, in this folder: submit each request to the enterprise CA.\n" +
          "# Commit each <server>.cer with its issuing CA's certificate appended (PEM) as the server's\n" +
          "# signedCertificate, then run npm run up.\n" +
          commands.join(""),
      ),
      mode: FILE_MODE,
    },
  ];
}

/**
 * The ACME protocol through acme-client (RFC 8555: JWS, nonces, orders; never written here): the account, and an
 * order for a CSR whose key the certificate made, with DNS-01 through the hook. The directory is reached over HTTPS
 * trusted as Node trusts (its store and NODE_EXTRA_CA_CERTS). Errors name the directory, the names and the CA's own
 * words.
 */
import * as acme from "acme-client";
import * as https from "node:https";
import { runHook, waitForTxt } from "./hook";

export interface AccountRequest {
  directoryUrl: string;
  email: string;
  eab?: { keyId: string; hmacKey: string };
}

/** A new account key (ECDSA P-256, PEM) and its account at the CA; agrees to the CA's terms (README). */
export async function createAccount(
  req: AccountRequest,
): Promise<{ accountKey: string; accountUrl: string }> {
  const accountKey = (await acme.crypto.createPrivateEcdsaKey("P-256")).toString();
  const client = new acme.Client({
    directoryUrl: req.directoryUrl,
    accountKey,
    ...(req.eab ? { externalAccountBinding: { kid: req.eab.keyId, hmacKey: req.eab.hmacKey } } : {}),
    backoffAttempts: 5,
  });
  await reachDirectory(req.directoryUrl);
  await caCall(req.directoryUrl, "registering the ACME account", () =>
    client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${req.email}`] }),
  );
  return { accountKey, accountUrl: client.getAccountUrl() };
}

/** Changes the account's contact address. */
export async function updateAccountEmail(p: {
  directoryUrl: string;
  accountKey: string;
  accountUrl: string;
  email: string;
}): Promise<void> {
  const client = new acme.Client({
    directoryUrl: p.directoryUrl,
    accountKey: p.accountKey,
    accountUrl: p.accountUrl,
  });
  await caCall(p.directoryUrl, "updating the ACME account's email", () =>
    client.updateAccount({ contact: [`mailto:${p.email}`] }),
  );
}

export interface OrderRequest {
  directoryUrl: string;
  accountKey: string;
  accountUrl: string;
  dnsNames: string[];
  /** PKCS#8 PEM of the certificate's own key (the CSR is signed with it). */
  privateKeyPem: string;
  dns01Command: string[];
  dns01Resolvers: string[];
  /** The project folder: the hook's path is relative to it, and it runs there. */
  projectDir: string;
}

/** Places an order and returns the PEM chain the CA gives (leaf first) and the CA's suggested renewal window. */
export async function orderCertificate(req: OrderRequest): Promise<{ chainPem: string }> {
  const client = new acme.Client({
    directoryUrl: req.directoryUrl,
    accountKey: req.accountKey,
    accountUrl: req.accountUrl,
    backoffAttempts: 10,
  });
  await reachDirectory(req.directoryUrl);
  const [, csr] = await acme.crypto.createCsr(
    { commonName: req.dnsNames[0], altNames: req.dnsNames },
    req.privateKeyPem,
  );
  const chainPem = await caCall(
    req.directoryUrl,
    `ordering a certificate for ${req.dnsNames.join(", ")}`,
    () =>
      client.auto({
        csr,
        termsOfServiceAgreed: true,
        challengePriority: ["dns-01"],
        // acme-client would ask the system's resolver; ours asks the configured resolvers (below), if any.
        skipChallengeVerification: true,
        challengeCreateFn: async (authz, challenge, keyAuthorization) => {
          if (challenge.type !== "dns-01")
            throw new Error(`the CA offered no dns-01 challenge for ${authz.identifier.value}`);
          const fqdn = `_acme-challenge.${authz.identifier.value}.`;
          await runHook(req.projectDir, req.dns01Command, "present", fqdn, keyAuthorization);
          if (req.dns01Resolvers.length > 0) await waitForTxt(req.dns01Resolvers, fqdn, keyAuthorization);
        },
        // acme-client runs this after every challenge, also a failed one (auto.js: finally).
        challengeRemoveFn: async (authz, _challenge, keyAuthorization) => {
          await runHook(
            req.projectDir,
            req.dns01Command,
            "cleanup",
            `_acme-challenge.${authz.identifier.value}.`,
            keyAuthorization,
          );
        },
      }),
  );
  return { chainPem };
}

/** The CA's suggested renewal window (RFC 9773) when its directory has renewalInfo; undefined otherwise. */
export async function renewalInfo(
  directoryUrl: string,
  certId: string | undefined,
): Promise<{ start: string; end: string } | undefined> {
  if (!certId) return undefined;
  try {
    const dir = JSON.parse(await get(directoryUrl)) as { renewalInfo?: string };
    if (!dir.renewalInfo) return undefined;
    const info = JSON.parse(await get(`${dir.renewalInfo.replace(/\/$/, "")}/${certId}`)) as {
      suggestedWindow?: { start?: string; end?: string };
    };
    const w = info.suggestedWindow;
    return w?.start && w.end
      ? { start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() }
      : undefined;
  } catch {
    // Renewal information is advice: without it the certificate renews by renewBeforeDays.
    return undefined;
  }
}

const USER_AGENT = "xprotect-certs (acme-client)";

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // ACME servers refuse requests without a User-Agent (RFC 8555 6.1).
    const req = https.get(url, { timeout: 30_000, headers: { "User-Agent": USER_AGENT } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: HTTP ${res.statusCode}`)),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: no answer within 30 s`)));
    req.on("error", reject);
  });
}

/**
 * Reads the directory first: an unreachable CA (refused, unknown host, untrusted certificate) is then named with
 * the network's own error at once, rather than after acme-client's retries and in its words.
 */
async function reachDirectory(directoryUrl: string): Promise<void> {
  await caCall(directoryUrl, "reading the directory", () => get(directoryUrl));
}

/** Runs a call to the CA; a failure names the directory, what was done and the CA's (or the network's) error. */
async function caCall<T>(directoryUrl: string, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const err = e as Error & { code?: string };
    const reason = err.message || err.code || String(e);
    throw new Error(`ACME CA ${directoryUrl}: ${what} failed: ${reason}`);
  }
}

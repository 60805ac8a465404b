import { createPrivateKey, randomBytes, X509Certificate } from "node:crypto";
import * as tls from "node:tls";
import type { AddressInfo } from "node:net";
import {
  buildPfx,
  caTemplate,
  derToPem,
  generateRsaKeyPair,
  issueCertificate,
  PFX_PROFILES,
  PfxProfile,
  pkcs12Kdf,
  randomSerial,
  serverTemplate,
} from "../../provider/pki";
import { openssl } from "../helpers/openssl";

const NOW = new Date();
const DNS_NAMES = ["rec01.vms.example.local", "rec01", "localhost"];
const IPS = ["127.0.0.1", "::1"];
const PASSWORD = "Pässwörd with spaces & symbols!";

let caDer: Buffer;
let leafDer: Buffer;
let leafKeyPem: string;

beforeAll(async () => {
  const [caKey, leafKey] = await Promise.all([generateRsaKeyPair(2048), generateRsaKeyPair(2048)]);
  caDer = issueCertificate({
    template: caTemplate({ commonName: "VMS Certificate Authority", validityDays: 3650 }),
    publicKeyDer: caKey.publicKeyDer,
    selfSigningKey: createPrivateKey(caKey.privateKeyPem),
    serial: randomSerial(randomBytes),
    now: NOW,
  }).der;
  leafDer = issueCertificate({
    template: serverTemplate({ dnsNames: DNS_NAMES, ipAddresses: IPS, validityDays: 730 }),
    publicKeyDer: leafKey.publicKeyDer,
    issuer: { certificateDer: caDer, privateKey: createPrivateKey(caKey.privateKeyPem) },
    serial: randomSerial(randomBytes),
    now: NOW,
  }).der;
  leafKeyPem = leafKey.privateKeyPem;
});

const pfxOf = (profile: PfxProfile, opts: { chain?: boolean; friendlyName?: string } = {}) =>
  buildPfx({
    privateKeyDer: createPrivateKey(leafKeyPem).export({ type: "pkcs8", format: "der" }),
    certificateDer: leafDer,
    chainDer: opts.chain === false ? [] : [caDer],
    password: PASSWORD,
    profile,
    friendlyName: opts.friendlyName ?? "VMS SSL Certificate",
    randomBytes,
  });

const EXPECTED_ALGORITHMS: Record<PfxProfile, { mac: RegExp; bags: RegExp }> = {
  "legacy-3des": {
    mac: /MAC: sha1, Iteration 2048\nMAC length: 20/,
    bags: /pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048/,
  },
  "modern-aes256": {
    mac: /MAC: sha256, Iteration 2048\nMAC length: 32/,
    bags: /PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/,
  },
};

describe.each(PFX_PROFILES)("a %s PFX", (profile) => {
  test("opens in OpenSSL 3 without -legacy, with the expected algorithms", () => {
    const r = openssl(["pkcs12", "-info", "-in", "s.pfx", "-passin", "file:pw", "-nodes"], {
      "s.pfx": pfxOf(profile),
      pw: PASSWORD,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(EXPECTED_ALGORITHMS[profile].mac);
    const shrouded = /Shrouded Keybag: (.*)/.exec(r.stderr)?.[1] ?? "";
    expect(shrouded).toMatch(EXPECTED_ALGORITHMS[profile].bags);
    expect(r.stderr).toMatch(new RegExp(`PKCS7 Encrypted data: ${EXPECTED_ALGORITHMS[profile].bags.source}`));
    expect(r.stderr).not.toMatch(/RC2/);
  });

  test("holds the key and the leaf under one localKeyId, the friendly name on the leaf only, then the CA in its own bag", () => {
    const r = openssl(["pkcs12", "-info", "-in", "s.pfx", "-passin", "file:pw", "-nodes"], {
      "s.pfx": pfxOf(profile, { friendlyName: "VMS SSL Certificate" }),
      pw: PASSWORD,
    });
    const blocks = r.stdout.split(/(?=Bag Attributes)/).filter((b) => b.trim());
    const leaf = blocks.find((b) => b.includes("subject=CN = rec01.vms.example.local"))!;
    const ca = blocks.find((b) => b.includes("subject=CN = VMS Certificate Authority"))!;
    const key = blocks.find((b) => b.includes("PRIVATE KEY"))!;
    const idOf = (b: string) => /localKeyID: ([0-9A-F ]+)/.exec(b)?.[1].trim();
    expect(idOf(leaf)).toBeDefined();
    expect(idOf(key)).toBe(idOf(leaf));
    expect(leaf).toMatch(/friendlyName: VMS SSL Certificate/);
    // Windows takes a key bag's friendlyName as the key container name: none, as Export-PfxCertificate never
    // puts the certificate's friendly name there (README, PFX profiles).
    expect(key).not.toMatch(/friendlyName/);
    expect(ca).toBeDefined();
    expect(idOf(ca)).toBeUndefined();
    // The key in the PFX is the certificate's key.
    const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(key)![0];
    expect(createPrivateKey(keyPem).export({ type: "pkcs8", format: "pem" })).toBe(leafKeyPem);
  });

  test("without the chain holds only the leaf", () => {
    const r = openssl(["pkcs12", "-info", "-in", "s.pfx", "-passin", "file:pw", "-nokeys"], {
      "s.pfx": pfxOf(profile, { chain: false }),
      pw: PASSWORD,
    });
    expect((r.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length).toBe(1);
  });

  test("is refused with a wrong password", () => {
    const r = openssl(["pkcs12", "-info", "-in", "s.pfx", "-passin", "pass:wrong", "-noout"], {
      "s.pfx": pfxOf(profile),
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/mac verify failure|invalid password/i);
  });

  describe("served by node:tls", () => {
    let server: tls.Server;
    let port: number;
    beforeAll(async () => {
      server = tls.createServer({ pfx: pfxOf(profile), passphrase: PASSWORD }, (s) => s.end("ok"));
      await new Promise<void>((resolve) => server.listen(0, "::", resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const handshake = (host: string, servername: string | undefined, ca: Buffer) =>
      new Promise<{ ok: boolean; error?: string; peerThumbprint?: string }>((resolve) => {
        const socket = tls.connect(
          { host, port, servername, ca: derToPem(ca), minVersion: "TLSv1.2" },
          () => {
            const peer = socket.getPeerX509Certificate();
            socket.end();
            resolve({ ok: socket.authorized, peerThumbprint: peer?.fingerprint.replace(/:/g, "") });
          },
        );
        socket.on("error", (e) => resolve({ ok: false, error: e.message }));
      });

    test.each(DNS_NAMES)("a client that trusts only the CA connects to %s", async (name) => {
      const r = await handshake("localhost", name, caDer);
      expect(r.error).toBeUndefined();
      expect(r.ok).toBe(true);
      expect(r.peerThumbprint).toBe(new X509Certificate(leafDer).fingerprint.replace(/:/g, ""));
    });

    test.each(IPS)("a client that trusts only the CA connects to %s", async (ip) => {
      const r = await handshake(ip, undefined, caDer);
      expect(r.error).toBeUndefined();
      expect(r.ok).toBe(true);
    });

    test("a client refuses a name the certificate does not hold", async () => {
      const r = await handshake("localhost", "mgmt01.vms.example.local", caDer);
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/Hostname\/IP does not match/);
    });

    test("a client that trusts another root refuses it", async () => {
      const r = await handshake("localhost", "rec01", leafDer);
      expect(r.ok).toBe(false);
    });
  });
});

describe("the PKCS#12 key derivation", () => {
  test("matches OpenSSL's: a PFX whose MAC we compute opens there (covered above), and known vectors agree", () => {
    // RFC 7292 has no test vectors; these come from OpenSSL's test suite (pkcs12 KDF, SHA-1, "smeg").
    const salt = Buffer.from("0A58CF64530D823F", "hex");
    expect(pkcs12Kdf("sha1", "smeg", salt, 1, 1, 24).toString("hex").toUpperCase()).toBe(
      "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3",
    );
    expect(pkcs12Kdf("sha1", "smeg", salt, 2, 1, 8).toString("hex").toUpperCase()).toBe("79993DFE048D3B76");
  });
});

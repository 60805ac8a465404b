/**
 * The site config's `acme` and `public`, checked before anything is registered: each bad input named with its
 * field, value and fix; a good one gives the public certificate's names and slots. And the pure rules behind them:
 * internal-looking names, the renewal time of a public certificate, the hook's path.
 */
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSite } from "../../provider/site/config";
import { publicNameProblem } from "../../provider/pki/public-names";
import { publicRenewalDue } from "../../provider/pki/public-renewal";
import { hookProblem } from "../../provider/acme/hook";

const DAY = 86_400_000;
const acme = {
  directory: "letsencrypt-staging",
  email: "vms-admin@example.com",
  dns01: { command: ["./dns/acme-hook.sh"] },
};
const mobile = (pub: unknown) => ({
  role: "mobileServer",
  hostname: "mobile01.vms.example.local",
  public: pub,
});
const fields = (raw: unknown, eab?: string) =>
  parseSite(raw, {}, {}, eab).failures.map((f) => `${f.field}: ${f.reason}`);

describe("acme and public in the site config", () => {
  test("a good config: the directory resolved, slots defaulting to the client-facing slot", () => {
    const { site, failures } = parseSite({
      acme,
      servers: { mobile01: mobile({ dnsNames: ["Mobile.Example.com."] }) },
    });
    expect(failures).toEqual([]);
    expect(site!.acme).toEqual({
      directoryUrl: "https://acme-staging-v02.api.letsencrypt.org/directory",
      email: "vms-admin@example.com",
      dns01Command: ["./dns/acme-hook.sh"],
      dns01Resolvers: [],
    });
    expect(site!.servers[0].public).toEqual({
      dnsNames: ["mobile.example.com"],
      slots: ["mobileStreamingMedia"],
    });
  });

  test("a site without acme has no acme and no public certificate", () => {
    const { site } = parseSite({
      servers: { rec01: { role: "recordingServer", hostname: "rec01.example.local" } },
    });
    expect(site!.acme).toBeUndefined();
    expect(site!.servers[0].public).toBeUndefined();
  });

  test.each([
    ["mobile.vms.example.local", /servers\.mobile01\.public\.dnsNames\[0\]: .*ends in "\.local"/],
    ["mobile", /single label/],
    ["203.0.113.7", /is an IP address/],
    ["10.0.0.5", /is an IP address/],
    ["mobile.corp", /ends in "\.corp"/],
  ])("internal-looking name %s is refused with the fix", (name, reason) => {
    expect(fields({ acme, servers: { mobile01: mobile({ dnsNames: [name] }) } }).join("\n")).toMatch(reason);
  });

  test("public without acme, on a role without a client-facing slot, or on a slot the role has not", () => {
    expect(
      fields({ servers: { mobile01: mobile({ dnsNames: ["mobile.example.com"] }) } }).join("\n"),
    ).toMatch(
      /servers\.mobile01\.public: needs the site's acme .*add acme with directory, email and dns01\.command/,
    );
    expect(
      fields({
        acme,
        servers: {
          ms: {
            role: "managementServer",
            hostname: "ms.example.local",
            public: { dnsNames: ["ms.example.com"] },
          },
        },
      }).join("\n"),
    ).toMatch(/servers\.ms\.public: role managementServer has no slot clients outside the site connect to/);
    expect(
      fields({
        acme,
        servers: { mobile01: mobile({ dnsNames: ["mobile.example.com"], slots: ["server"] }) },
      }).join("\n"),
    ).toMatch(/servers\.mobile01\.public\.slots: .*the server slot keeps the site root's certificate/);
  });

  test("bad email, directory, command, resolvers, EAB without its key", () => {
    const text = fields({
      acme: {
        directory: "http://ca.example.com/dir",
        email: "vms-admin",
        dns01: { command: "hook.sh", resolvers: ["dns.example.com"] },
        externalAccountBinding: { keyId: "kid-1" },
      },
      servers: { mobile01: mobile({ dnsNames: ["mobile.example.com"] }) },
    }).join("\n");
    expect(text).toMatch(
      /acme\.directory: string "http:\/\/ca\.example\.com\/dir" is not a directory: use letsencrypt/,
    );
    expect(text).toMatch(/acme\.email: string "vms-admin" is not an email address/);
    expect(text).toMatch(/acme\.dns01\.command: string "hook\.sh" is not a command: give a list/);
    expect(text).toMatch(/acme\.dns01\.resolvers: .*give IP addresses/);
    expect(text).toMatch(/xprotect-certs:acmeEabHmacKey: missing: .*pulumi config set --secret/);
    expect(
      fields(
        {
          acme: { ...acme, externalAccountBinding: { keyId: "kid-1" } },
          servers: { mobile01: mobile({ dnsNames: ["m.example.com"] }) },
        },
        "secret",
      ),
    ).toEqual([]);
  });
});

describe("pure rules", () => {
  test("public names", () => {
    expect(publicNameProblem("mobile.example.com")).toBeUndefined();
    expect(publicNameProblem("mobile.home.arpa")).toMatch(/home\.arpa/);
  });

  test("renewal: renewBeforeDays, but never before two thirds of the lifetime; the CA's window when given", () => {
    const notBefore = "2027-01-01T00:00:00.000Z";
    const at = (days: number) => new Date(Date.parse(notBefore) + days * DAY).toISOString();
    // 90 days, renew 30 before: day 60 (= two thirds too).
    expect(publicRenewalDue({ notBefore, notAfter: at(90), renewBeforeDays: 10 })).toEqual({
      renewalDue: at(80),
      renewalBasis: "renewBeforeDays",
    });
    // 47 days with renewBeforeDays 30 would be due on day 17: held to two thirds (day 31.33).
    expect(publicRenewalDue({ notBefore, notAfter: at(47), renewBeforeDays: 30 })).toEqual({
      renewalDue: new Date(Date.parse(notBefore) + Math.round((47 * DAY * 2) / 3)).toISOString(),
      renewalBasis: "twoThirdsOfLifetime",
    });
    expect(
      publicRenewalDue({
        notBefore,
        notAfter: at(90),
        renewBeforeDays: 30,
        suggestedWindow: { start: at(59), end: at(61) },
      }),
    ).toEqual({ renewalDue: at(59), renewalBasis: "renewalInfo" });
  });

  test("the hook: relative to the project folder, must exist and be executable", () => {
    const dir = mkdtempSync(join(tmpdir(), "xpc-hook-"));
    mkdirSync(join(dir, "dns"));
    expect(hookProblem(["./dns/acme-hook.sh"], dir)).toMatch(
      /dns\/acme-hook\.sh does not exist: give the hook's path relative to the project folder/,
    );
    writeFileSync(join(dir, "dns", "acme-hook.sh"), "#!/bin/sh\n");
    expect(hookProblem(["./dns/acme-hook.sh"], dir)).toMatch(
      /is not executable: chmod \+x \.\/dns\/acme-hook\.sh/,
    );
    chmodSync(join(dir, "dns", "acme-hook.sh"), 0o755);
    expect(hookProblem(["./dns/acme-hook.sh"], dir)).toBeUndefined();
    expect(hookProblem(["no-such-hook-xpc"], dir)).toMatch(/is not on PATH/);
  });
});

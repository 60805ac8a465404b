/**
 * The site program reads its config as the user wrote it: secret text values exactly (a password of digits, a
 * password with quotes), maps that are not maps named, and only real problems listed. Run through
 * `siteProgram` under Pulumi's mocks, with the config set as the engine sets it (text per key).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { siteProgram } from "../../stacks";
import { recordingMocks, Registered, runSiteWithConfig } from "../helpers/site-mocks";

/** Pulumi's mark of a secret value as the mocks receive it. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** The value of a secret input, asserting that it is one. */
function secretValue(v: unknown): unknown {
  expect(v).toEqual(expect.objectContaining({ [SECRET_SIG]: expect.any(String) }));
  return (v as { value: unknown }).value;
}
let registered: Registered[] = [];
beforeAll(async () => {
  registered = await recordingMocks("config-hardening");
});

const SITE = {
  servers: {
    mgmt01: { role: "managementServer", hostname: "mgmt01.vms.example.local" },
    rec01: { role: "recordingServer", hostname: "rec01.vms.example.local" },
  },
};

/** Runs the program with config values given as the engine gives them: each key's text. */
const run = (config: Record<string, string>, secrets: string[] = []) =>
  runSiteWithConfig(registered, config, secrets);

/** A CA as OpenSSL makes it, exported as a 3DES PFX with `password`, base64. */
function caPfx(password: string): string {
  const dir = mkdtempSync(join(tmpdir(), "xpc-pw-"));
  try {
    const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    run(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "3650",
      "-subj",
      "/CN=Password Test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    run(
      "pkcs12",
      "-export",
      "-in",
      "ca.pem",
      "-inkey",
      "ca.key",
      "-out",
      "ca.pfx",
      "-keypbe",
      "PBE-SHA1-3DES",
      "-certpbe",
      "PBE-SHA1-3DES",
      "-macalg",
      "sha1",
      "-passout",
      `pass:${password}`,
    );
    return readFileSync(join(dir, "ca.pfx")).toString("base64");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("secret text values are taken exactly as set", () => {
  test.each([
    ["digits only (which JSON would read as a number)", "12345678"],
    ["with quotes (which JSON would strip)", '"quoted"'],
    ["true (which JSON would read as a boolean)", "true"],
  ])("caPfxPassword %s", async (_, password) => {
    const error = await run({ site: JSON.stringify(SITE), caPfx: caPfx(password), caPfxPassword: password }, [
      "caPfx",
      "caPfxPassword",
    ]);
    expect(error).toBeUndefined();
    const ca = registered.find((r) => r.type === "CaCertificate");
    expect(secretValue(ca?.inputs.adoptPfxPassword)).toBe(password);
  });

  test("a server's PFX password of digits, set with --path, reaches its certificate as that text", async () => {
    const error = await run(
      { site: JSON.stringify(SITE), pfxPasswords: JSON.stringify({ rec01: "12345678", mgmt01: '"q"' }) },
      ["pfxPasswords"],
    );
    expect(error).toBeUndefined();
    const byName = (n: string) =>
      registered.find((r) => r.type === "ServerCertificate" && r.name === `site-${n}`);
    expect(secretValue(byName("rec01")?.inputs.pfxPassword)).toBe("12345678");
    expect(secretValue(byName("mgmt01")?.inputs.pfxPassword)).toBe('"q"');
  });
});

describe("a secret map that is not a map is named, never ignored (and its value never shown)", () => {
  test.each([
    ["pfxPasswords", "S3cret-text", "a text"],
    ["pfxPasswords", "12345678", "a number"],
    ["pfxPasswords", '["a","b"]', "a list"],
    ["serverPfx", "TUlJSy1ub3QtYS1tYXA=", "a text"],
    ["serverPfx", "42", "a number"],
  ])("%s set to %s", async (key, text, kind) => {
    const error = await run({ site: JSON.stringify(SITE), [key]: text }, [key]);
    const line = error?.message.split("\n").find((l) => l.startsWith(`  - xprotect-certs:${key}: `));
    expect(line).toContain(`is ${kind}, not a map`);
    expect(line).toContain(`--path '${key}["rec01"]'`);
    expect(error?.message).not.toContain(text);
    expect(registered).toEqual([]);
  });
});

test("a role that is not one is reported once per server, with no made-up follow-on problems", async () => {
  const site = {
    servers: {
      mgmt01: { role: "managementServer", hostname: "mgmt01.vms.example.local" },
      rec01: { role: "recorder", hostname: "rec01.vms.example.local" },
      rec02: { role: "recorder", hostname: "rec02.vms.example.local" },
    },
  };
  const error = await run({ site: JSON.stringify(site) });
  const problems = error!.message.split("\n").filter((l) => l.startsWith("  - "));
  expect(problems).toEqual([
    expect.stringMatching(
      /^ {2}- servers\.rec01\.role: "recorder" is not allowed: use one of "managementServer"/,
    ),
    expect.stringMatching(/^ {2}- servers\.rec02\.role: "recorder" is not allowed/),
  ]);
  expect(registered).toEqual([]);
});

test("a CA valid for fewer days than a server's renewBeforeDays is refused, naming ca.validityDays and the servers", async () => {
  const site = {
    ca: { validityDays: 20 },
    defaults: { validityDays: 10, renewBeforeDays: 5 },
    servers: { ...SITE.servers, rec01: { ...SITE.servers.rec01, validityDays: 60, renewBeforeDays: 30 } },
  };
  const error = await run({ site: JSON.stringify(site) });
  expect(error?.message).toContain(
    "  - ca.validityDays: 20 days is shorter than renewBeforeDays of rec01 (30): their certificates would be due as soon as issued",
  );
  expect(registered).toEqual([]);
});

test("config mistakes: the program reports the list once, as one error, registers nothing, and fails", async () => {
  const error = await run({ site: JSON.stringify({ servers: { rec01: { role: "recorder" } } }) });
  expect(pulumi.RunError.isInstance(error)).toBe(true); // printed without a stack trace
  registered = [];
  const logged = jest.spyOn(pulumi.log, "error").mockImplementation(() => Promise.resolve());
  try {
    // Failing (not returning) matters: a program that returned would let the engine delete the site.
    const failed = await siteProgram().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(pulumi.RunError.isInstance(failed)).toBe(true);
    expect((failed as Error).message).toMatch(
      /the site config has problems \(listed above\); nothing was issued/,
    );
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0][0]).toBe(error!.message);
    expect(registered).toEqual([]);
  } finally {
    logged.mockRestore();
  }
});

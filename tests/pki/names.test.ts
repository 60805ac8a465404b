import { normaliseDnsName, normaliseIpAddress } from "../../provider/pki";

describe("DNS names", () => {
  test.each([
    ["rec01.vms.example.local", "rec01.vms.example.local"],
    ["REC01.VMS.Example.Local", "rec01.vms.example.local"],
    ["rec01.vms.example.local.", "rec01.vms.example.local"],
    ["mgmt01", "mgmt01"],
    ["a-b.c", "a-b.c"],
    [`${"a".repeat(63)}.local`, `${"a".repeat(63)}.local`],
  ])("%s is accepted as %s", (input, expected) => {
    expect(normaliseDnsName(input)).toEqual({ ok: true, value: expected });
  });

  test.each([
    ["", /empty/],
    ["rec 01", /white space/],
    ["*.vms.example.local", /wildcard.*its own certificate and key/],
    ["überwachung.example", /punycode form "xn--berwachung-8db\.example"/],
    ["a..b", /empty label/],
    [".a", /empty label/],
    ["-a.local", /do not start or end with a hyphen/],
    ["a_b.local", /letters, digits and hyphens/],
    [`${"a".repeat(64)}.local`, /label of 64 characters.*at most 63 \(MAX_DNS_LABEL_LENGTH\)/],
    [
      `${"abcdefghi.".repeat(25)}abcd`,
      /254 characters long; a DNS name has at most 253 \(MAX_DNS_NAME_LENGTH\)/,
    ],
    ["10.0.0.1", /IP address.*ipAddresses/],
    ["fd00::1", /IP address.*ipAddresses/],
    ["host.123", /all-numeric label/],
  ])("%s is refused (%s)", (input, reason) => {
    const r = normaliseDnsName(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe("IP addresses", () => {
  test.each([
    ["10.0.0.10", "10.0.0.10"],
    ["FD00::10", "fd00::10"],
    ["fd00:0:0:0:0:0:0:10", "fd00::10"],
    ["2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["::", "::"],
    ["::1", "::1"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
  ])("%s is accepted as %s", (input, expected) => {
    expect(normaliseIpAddress(input)).toEqual({ ok: true, value: expected });
  });

  test.each([
    ["fe80::1%eth0", /zone id.*drop "%eth0"/],
    ["::ffff:10.0.0.1", /IPv4-mapped.*do not match it, write 10\.0\.0\.1$/],
    ["0:0:0:0:0:ffff:0a00:0001", /IPv4-mapped.*write 10\.0\.0\.1$/],
    ["10.0.0.256", /not an IPv4 or IPv6 address/],
    ["010.0.0.1", /not an IPv4 or IPv6 address/],
    ["1::2::3", /not an IPv4 or IPv6 address/],
    ["1:2:3:4:5:6:7:8:9", /not an IPv4 or IPv6 address/],
    ["mgmt01", /not an IPv4 or IPv6 address/],
    ["", /not an IPv4 or IPv6 address/],
  ])("%s is refused (%s)", (input, reason) => {
    const r = normaliseIpAddress(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

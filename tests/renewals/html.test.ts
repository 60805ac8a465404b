import { DefaultTreeAdapterMap, parse, ParserError } from "parse5";
import { findDue } from "../../scripts/renewals/due";
import { escapeHtml, renderHtml } from "../../scripts/renewals/html";
import type { SiteCertificates } from "../../provider/contract";
import { readSiteOutputs } from "../../scripts/renewals/outputs";
import { MIXED, NOW, ServerFixture, siteOutputs } from "./fixtures";

type Node = DefaultTreeAdapterMap["node"];
type Element = DefaultTreeAdapterMap["element"];

function site(servers: Record<string, ServerFixture>, ca?: { notAfter?: string }): SiteCertificates {
  const r = readSiteOutputs(siteOutputs(servers, ca));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.site;
}

/** Parses with the HTML5 parser; any parse error fails the test. */
function parseStrict(html: string): Node {
  const errors: ParserError[] = [];
  const doc = parse(html, { onParseError: (e) => errors.push(e) });
  expect(errors.map((e) => `${e.code} at ${e.startLine}:${e.startCol}`)).toEqual([]);
  return doc;
}

function elements(node: Node, out: Element[] = []): Element[] {
  if ("tagName" in node) out.push(node);
  const children = "childNodes" in node ? node.childNodes : [];
  for (const c of children) elements(c, out);
  if ("content" in node && node.content) elements(node.content as Node, out);
  return out;
}
const attr = (e: Element, name: string) => e.attrs.find((a) => a.name === name)?.value;
const hasClass = (e: Element, c: string) => (attr(e, "class") ?? "").split(/\s+/).includes(c);
const textOf = (n: Node): string =>
  "value" in n && n.nodeName === "#text"
    ? (n as { value: string }).value
    : ("childNodes" in n ? n.childNodes : []).map(textOf).join("");

const render = (s: SiteCertificates, withinDays = 30) =>
  renderHtml({ report: findDue({ site: s, now: new Date(NOW), withinDays }), site: s, stack: "site" });

describe("renderHtml", () => {
  test("parses without error; one bar per server coloured by status, its renewal point, today, the CA, a legend", () => {
    const all = elements(parseStrict(render(site(MIXED, { notAfter: "2028-06-01T00:00:00Z" }))));
    const bars = all.filter((e) => e.tagName === "rect" && hasClass(e, "bar"));
    expect(bars.map((b) => [attr(b, "data-server"), attr(b, "data-status")])).toEqual([
      ["mgmt01", "ok"],
      ["old01", "expired"],
      ["rec01", "due"],
      ["rec02", "due"],
    ]);
    for (const b of bars) expect(hasClass(b, attr(b, "data-status")!)).toBe(true);
    // Bars are placed in time: rec01 (2025-03-20 to 2027-03-20) starts left of and ends left of rec02.
    const x = (b: Element) => Number(attr(b, "x"));
    const end = (b: Element) => x(b) + Number(attr(b, "width"));
    const [mgmt, old, rec01, rec02] = bars;
    expect(x(old)).toBeLessThan(x(rec01));
    expect(end(rec01)).toBeLessThan(end(rec02));
    expect(end(rec02)).toBeLessThan(end(mgmt));
    const renewal = all.filter(
      (e) => e.tagName === "line" && hasClass(e, "renewal") && attr(e, "data-server"),
    );
    expect(renewal.map((e) => attr(e, "data-server"))).toEqual(["mgmt01", "old01", "rec01", "rec02"]);
    expect(Number(attr(renewal[2], "x1"))).toBeGreaterThan(x(rec01));
    expect(Number(attr(renewal[2], "x1"))).toBeLessThan(end(rec01));
    const today = all.find((e) => e.tagName === "line" && hasClass(e, "today") && attr(e, "y2") !== "16")!;
    expect(Number(attr(today, "x1"))).toBeGreaterThan(end(old));
    expect(Number(attr(today, "x1"))).toBeLessThan(end(rec01));
    const ca = all.filter((e) => hasClass(e, "ca-expiry"));
    expect(ca.some((e) => e.tagName === "line" && Number(attr(e, "x1")) > end(mgmt))).toBe(true);
    expect(ca.map((e) => textOf(e)).join(" ")).toContain("CA expires 2028-06-01");
    const legend = all.find((e) => e.tagName === "ul" && hasClass(e, "legend"))!;
    expect(textOf(legend).replace(/\s+/g, " ").trim()).toBe(
      "ok due (renewal due within 30 days) expired renewal point today CA expiry",
    );
    const servers = all.find((e) => e.tagName === "table" && !hasClass(e, "roots"))!;
    const rows = elements(servers)
      .filter((e) => e.tagName === "tr")
      .slice(1);
    expect(rows.map((r) => textOf(r.childNodes.at(-1)!))).toEqual(["ok", "expired", "due", "due"]);
  });

  test("a CA far beyond the certificates is named at the chart's edge", () => {
    const all = elements(parseStrict(render(site(MIXED))));
    const ca = all.filter((e) => hasClass(e, "ca-expiry") && e.tagName === "text");
    expect(ca.map(textOf).join("")).toContain("CA expires 2036-01-01 (beyond the chart) \u2192");
  });

  test("loads nothing: no scripts, links, images, src/href attributes, URLs or CSS imports", () => {
    const html = render(site(MIXED));
    const all = elements(parseStrict(html));
    const loaders = [
      "script",
      "link",
      "img",
      "image",
      "iframe",
      "object",
      "embed",
      "use",
      "audio",
      "video",
      "source",
    ];
    expect(all.filter((e) => loaders.includes(e.tagName)).map((e) => e.tagName)).toEqual([]);
    const loading = all.flatMap((e) =>
      e.attrs.filter((a) => /^(src|srcset|href|xlink:href|action|data|poster)$/.test(a.name)),
    );
    expect(loading).toEqual([]);
    expect(html).not.toMatch(/https?:|url\(|@import|\/\//i);
  });

  test("escapes every string from the outputs", () => {
    const evil = '<script>alert("x")</script>';
    const host = `a&b"c'd<img src=x onerror=alert(1)>`;
    const s = site({ [evil]: { ...MIXED.rec01, hostname: host, role: "<b>role</b>" } });
    const html = renderHtml({
      report: findDue({ site: s, now: new Date(NOW), withinDays: 30 }),
      site: s,
      stack: "</title><script>",
    });
    const all = elements(parseStrict(html));
    expect(all.filter((e) => ["script", "img", "b"].includes(e.tagName))).toEqual([]);
    const bar = all.find((e) => e.tagName === "rect" && hasClass(e, "bar"))!;
    expect(attr(bar, "data-server")).toBe(evil);
    expect(textOf(bar)).toContain(`${evil} (${host}, <b>role</b>)`);
    const cells = all.filter((e) => e.tagName === "td").map(textOf);
    expect(cells.slice(0, 3)).toEqual([evil, host, "<b>role</b>"]);
    expect(textOf(all.find((e) => e.tagName === "title")!)).toBe("Certificate calendar: </title><script>");
    expect(escapeHtml(`<>&"'`)).toBe("&lt;&gt;&amp;&quot;&#39;");
  });
});

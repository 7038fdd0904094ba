// A generated 2,000-page site on loopback for the views' browser tests: folders of documentation
// pages, a contents page with 1,000 links, broken links repeated on every section page, and two
// template defects on every page (no <html lang>, no viewport), as a real documentation site has.
import http from "node:http";

export const SECTIONS = 20;
export const PER_SECTION = 95;
export const POSTS = 77;
const VOCABULARY = ["crawl", "index", "query", "table", "page", "link", "server", "cache", "token", "schema", "row", "field"];

function words(seed, n = 220) {
  let x = seed * 2654435761 % 4294967296;
  const out = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(`${VOCABULARY[x % VOCABULARY.length]}${x % 9973}`);
  }
  return out.join(" ");
}

const html = ({ title, description, h1, links, seed, canonical }) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>` +
  `<meta name="description" content="${description}"><link rel="canonical" href="${canonical}"></head>` +
  `<body><h1>${h1}</h1><nav>${links.map(([href, text]) => `<a href="${href}">${text}</a>`).join(" ")}</nav>` +
  `<p>${words(seed)}</p></body></html>`;

const doc = (s, n) => `/docs/section-${s}/page-${n}.html`;

function pageAt(path) {
  if (path === "/") {
    const links = [["/contents.html", "Contents"], ["/blog/", "Blog"]];
    for (let s = 1; s <= SECTIONS; s++) links.push([`/docs/section-${s}/`, `Section ${s}`]);
    return html({ title: "Generated documentation: home of a large test site", description: "The home page of a generated documentation site with twenty sections, a blog and a contents page.", h1: "Documentation", links, seed: 1, canonical: path });
  }
  if (path === "/contents.html") {
    const links = [["/", "Home"]];
    for (let i = 0; links.length < 1001; i++) links.push([doc((i % SECTIONS) + 1, Math.floor(i / SECTIONS) + 1), `Page ${i + 1}`]);
    return html({ title: "Contents of the generated documentation, every page", description: "A table of contents that links to a thousand pages of the generated documentation site.", h1: "Contents", links, seed: 2, canonical: path });
  }
  if (path === "/blog/") {
    const links = [["/", "Home"]];
    for (let p = 1; p <= POSTS; p++) links.push([`/blog/post-${p}.html`, `Post ${p}`]);
    return html({ title: "The blog of the generated documentation site", description: "News and notes about the generated documentation, one post a week, seventy-seven posts so far.", h1: "Blog", links, seed: 3, canonical: path });
  }
  let m = path.match(/^\/blog\/post-(\d+)\.html$/);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= POSTS) {
    const p = Number(m[1]);
    return html({ title: `Blog post number ${p} of the generated site`, description: `Post ${p} of the blog: notes about crawling, indexing and linking large documentation sites well.`, h1: `Post ${p}`, links: [["/", "Home"], ["/blog/", "Blog"]], seed: 10000 + p, canonical: path });
  }
  m = path.match(/^\/docs\/section-(\d+)\/$/);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= SECTIONS) {
    const s = Number(m[1]);
    // the same broken link twice (navigation and footer): one finding, two occurrences
    const links = [["/", "Home"], [`/docs/section-${s}/changelog.html`, "Changelog"], [`/docs/section-${s}/changelog.html`, "See the changelog"]];
    for (let n = 1; n <= PER_SECTION; n++) links.push([doc(s, n), `Page ${n} of section ${s}`]);
    return html({ title: `Section ${s} of the generated documentation`, description: `Everything in section ${s}: ninety-five pages of generated documentation with their own titles.`, h1: `Section ${s}`, links, seed: 100 + s, canonical: path });
  }
  m = path.match(/^\/docs\/section-(\d+)\/page-(\d+)\.html$/);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= SECTIONS && Number(m[2]) >= 1 && Number(m[2]) <= PER_SECTION) {
    const [s, n] = [Number(m[1]), Number(m[2])];
    const links = [["/", "Home"], [`/docs/section-${s}/`, `Section ${s}`]];
    if (n < PER_SECTION) links.push([doc(s, n + 1), "Next page"]);
    if (n > 1) links.push([doc(s, n - 1), "Previous page"]);
    return html({ title: `Page ${n} of section ${s}: generated documentation`, description: `Page ${n} of section ${s} explains one more part of the generated documentation in detail.`, h1: `Section ${s}, page ${n}`, links, seed: s * 1000 + n, canonical: path });
  }
  return null;
}

export function createBigSite() {
  const site = { server: null, url: "" };
  site.server = http.createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/robots.txt") return res.writeHead(200, { "Content-Type": "text/plain" }).end("User-agent: *\nAllow: /\n");
    const body = pageAt(path);
    if (body === null) return res.writeHead(404, { "Content-Type": "text/html" }).end("<title>Not found</title><h1>404</h1>");
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(body);
  });
  return new Promise((resolve) => {
    site.server.listen(0, "127.0.0.1", () => {
      site.url = `http://127.0.0.1:${site.server.address().port}/`;
      resolve(site);
    });
  });
}

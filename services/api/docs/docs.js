// Renders the OpenAPI document as plain DOM (textContent only: nothing from the document is parsed as HTML).
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function resolve(doc, schema) {
  if (schema && schema.$ref) return resolve(doc, schema.$ref.split("/").slice(1).reduce((o, k) => o[k], doc));
  return schema;
}

function expand(doc, schema, depth) {
  schema = resolve(doc, schema);
  if (!schema || typeof schema !== "object" || depth > 6) return schema;
  const out = Array.isArray(schema) ? [] : {};
  for (const [key, value] of Object.entries(schema)) out[key] = typeof value === "object" ? expand(doc, value, depth + 1) : value;
  return out;
}

function schemaBlock(doc, schema) {
  return el("details", {}, el("summary", {}, "schema"), el("pre", {}, JSON.stringify(expand(doc, schema, 0), null, 2)));
}

function operation(doc, path, method, op) {
  const id = op.operationId || `${method}-${path}`;
  const section = el("section", { class: "op", id },
    el("h3", {}, el("span", { class: `method ${method}` }, method), el("code", {}, path)),
    el("p", {}, op.summary || ""));
  if (op.description) section.append(el("p", {}, op.description));
  if (op.parameters && op.parameters.length) {
    const table = el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"), el("th", {}, "type"), el("th", {}, "description")));
    for (const p of op.parameters) {
      const s = p.schema || {};
      const type = s.enum ? s.enum.join(" | ") : (s.type || "") + (s.format ? ` (${s.format})` : "");
      table.append(el("tr", {}, el("td", {}, el("code", {}, p.name + (p.required ? " *" : ""))), el("td", {}, p.in), el("td", {}, type), el("td", {}, p.description || "")));
    }
    section.append(table);
  }
  if (op.requestBody) {
    const content = op.requestBody.content["application/json"];
    section.append(el("h4", {}, "Request body"), schemaBlock(doc, content.schema));
  }
  section.append(el("h4", {}, "Responses"));
  for (const [status, response] of Object.entries(op.responses)) {
    const item = el("div", {}, el("strong", {}, status + " "), response.description || "");
    for (const [type, media] of Object.entries(response.content || {})) {
      item.append(el("div", {}, el("code", {}, type)), schemaBlock(doc, media.schema));
    }
    section.append(item);
  }
  return section;
}

async function main() {
  const content = document.getElementById("content");
  const toc = document.getElementById("toc");
  const response = await fetch("/api/openapi.json", { credentials: "same-origin" });
  if (!response.ok) {
    content.replaceChildren(el("p", { class: "error" }, response.status === 401
      ? "Log in first (open /login), or fetch /api/openapi.json with your API token."
      : `Could not load the document: HTTP ${response.status}`));
    return;
  }
  const doc = await response.json();
  content.replaceChildren(el("p", {}, doc.info.description || ""));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      content.append(operation(doc, path, method, op));
      toc.append(el("a", { href: `#${op.operationId}` }, `${method.toUpperCase()} ${path}`));
    }
  }
}

main().catch((err) => { document.getElementById("content").textContent = String(err); });

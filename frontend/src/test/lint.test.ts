// @vitest-environment node
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

// The rule that keeps crawled markup from ever becoming HTML must itself be tested.
describe("eslint forbids turning strings into HTML", () => {
  it.each([
    ["dangerouslySetInnerHTML", `export const A = () => <div dangerouslySetInnerHTML={{ __html: "x" }} />;`],
    ["innerHTML", `export function f(el: HTMLElement) { el.innerHTML = "x"; }`],
    ["outerHTML", `export function f(el: HTMLElement) { el.outerHTML = "x"; }`],
    ["insertAdjacentHTML", `export function f(el: HTMLElement) { el.insertAdjacentHTML("beforeend", "x"); }`],
    ["document.write", `export function f() { document.write("x"); }`],
  ])("%s is an error", async (_name, code) => {
    const eslint = new ESLint({ cwd: process.cwd() });
    const [result] = await eslint.lintText(code, { filePath: "src/probe.tsx" });
    expect(result!.messages.map((m) => m.ruleId)).toContain("no-restricted-syntax");
  }, 30_000);

  it("lets plain text through", async () => {
    const eslint = new ESLint({ cwd: process.cwd() });
    const [result] = await eslint.lintText(`export const A = ({ t }: { t: string }) => <p>{t}</p>;`, { filePath: "src/probe.tsx" });
    expect(result!.messages).toEqual([]);
  }, 30_000);
});

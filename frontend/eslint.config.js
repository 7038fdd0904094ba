// Lint rules. Crawled pages are hostile input: the UI renders them as text only, so any way of
// turning a string into markup is forbidden here rather than trusted to review.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

const noHtmlInjection = [
  "error",
  {
    selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
    message: "Crawled data is hostile: render text, never HTML (no dangerouslySetInnerHTML).",
  },
  {
    selector: "MemberExpression[property.name=/^(innerHTML|outerHTML)$/]",
    message: "Crawled data is hostile: use textContent, never innerHTML/outerHTML.",
  },
  {
    selector: "CallExpression[callee.property.name=/^(insertAdjacentHTML|write|writeln|createContextualFragment)$/]",
    message: "Crawled data is hostile: no HTML-parsing DOM calls.",
  },
  {
    selector: "Property[key.name='dangerouslySetInnerHTML']",
    message: "Crawled data is hostile: render text, never HTML (no dangerouslySetInnerHTML).",
  },
];

export default tseslint.config(
  { ignores: ["dist", "node_modules", "src/api/schema.d.ts"] },
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2022, globals: { ...globals.browser, ...globals.node } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      "no-restricted-syntax": noHtmlInjection,
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
    },
  },
);

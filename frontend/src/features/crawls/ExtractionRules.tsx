/**
 * The new-crawl form's custom extraction: up to 20 rules (CSS, XPath, regex or text; the text, an
 * attribute, the inner HTML or the count; one value or all; optionally a custom search), and a
 * "Test rules" button that asks the api what each rule extracts from the start URL now.
 */
import { useState } from "react";
import { api } from "../../api/client";
import type { RuleTestResult } from "../../api/types";
import { describeError } from "../../components/ui/states";
import { useT } from "../../i18n";
import { asText } from "../../lib/format";
import { emptyRule, MAX_RULES, toExtraction, type FormErrors, type RuleRow } from "./crawlForm";
import type { RuleTestInput } from "../../api/types";

const TYPES: RuleRow["type"][] = ["css", "xpath", "regex", "text"];
const VALUES: RuleRow["value"][] = ["", "text", "attribute", "inner_html", "count"];
const SEARCHES: RuleRow["search"][] = ["", "contains", "not_contains"];

interface Props {
  rules: RuleRow[];
  errors: FormErrors;
  onChange: (rules: RuleRow[]) => void;
  /** The body of a test (the form's URL, user agent and credentials), or null when there is no URL yet. */
  testInput: () => Omit<RuleTestInput, "extraction"> | null;
}

export function ExtractionRules({ rules, errors, onChange, testInput }: Props) {
  const t = useT();
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<RuleTestResult | null>(null);
  const [testError, setTestError] = useState<string | null>(null);
  const update = (index: number, patch: Partial<RuleRow>) => onChange(rules.map((r, i) => (i === index ? { ...r, ...patch } : r)));

  const test = async () => {
    const base = testInput();
    const extraction = toExtraction(rules);
    setResult(null);
    if (!base) return setTestError(t("form.ruleTestNeedsUrl"));
    if (!extraction.length) return setTestError(t("form.ruleTestNeedsRule"));
    setTesting(true);
    setTestError(null);
    try {
      setResult(await api.testRules({ ...base, extraction }));
    } catch (err) {
      setTestError(describeError(err, t));
    } finally {
      setTesting(false);
    }
  };

  return (
    <div className="extraction" data-testid="extraction-section">
      <p className="muted hint">{t("form.extractionHint")}</p>
      {rules.map((rule, index) => {
        const id = `rule-${index}`;
        const error = errors[`extraction.${index}`];
        return (
          <fieldset key={index} className={`rule${error ? " has-error" : ""}`} data-testid="extraction-rule">
            <legend>{t("form.rule", { n: index + 1 })}</legend>
            <div className="rule-grid">
              <label>
                {t("form.ruleNameLabel")}
                <input id={`${id}-name`} value={rule.name} maxLength={64} onChange={(e) => update(index, { name: e.target.value })} data-testid="rule-name" />
              </label>
              <label>
                {t("form.ruleType")}
                <select value={rule.type} onChange={(e) => update(index, { type: e.target.value as RuleRow["type"] })} data-testid="rule-type">
                  {TYPES.map((type) => (
                    <option key={type} value={type}>
                      {t(`form.ruleType.${type}`)}
                    </option>
                  ))}
                </select>
              </label>
              <label className="wide">
                {t("form.ruleExpressionLabel")}
                <input value={rule.expression} onChange={(e) => update(index, { expression: e.target.value })} placeholder={rule.type === "xpath" ? "//span[@class='price']" : rule.type === "css" ? ".price" : ""} data-testid="rule-expression" />
              </label>
              <label>
                {t("form.ruleValue")}
                <select value={rule.value} onChange={(e) => update(index, { value: e.target.value as RuleRow["value"] })} data-testid="rule-value">
                  {VALUES.map((value) => (
                    <option key={value} value={value}>
                      {t(`form.ruleValue.${value || "default"}`)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t("form.ruleAttributeLabel")}
                <input value={rule.attribute} onChange={(e) => update(index, { attribute: e.target.value })} placeholder={t("form.ruleAttributeExample")} data-testid="rule-attribute" />
              </label>
              <label>
                {t("form.ruleSearch")}
                <select value={rule.search} onChange={(e) => update(index, { search: e.target.value as RuleRow["search"] })} data-testid="rule-search">
                  {SEARCHES.map((search) => (
                    <option key={search} value={search}>
                      {t(`form.ruleSearch.${search || "none"}`)}
                    </option>
                  ))}
                </select>
              </label>
              <label className="check">
                <input type="checkbox" checked={rule.multiple} onChange={(e) => update(index, { multiple: e.target.checked })} />
                {t("form.ruleMultiple")}
              </label>
              <button type="button" className="link-button" onClick={() => onChange(rules.filter((_, i) => i !== index))}>
                {t("form.ruleRemove")}
              </button>
            </div>
            {error && (
              <p className="field-error" role="alert">
                {error}
              </p>
            )}
          </fieldset>
        );
      })}
      <div className="rule-actions">
        <button type="button" onClick={() => onChange([...rules, { ...emptyRule }])} disabled={rules.length >= MAX_RULES} data-testid="rule-add">
          {t("form.ruleAdd")}
        </button>
        <button type="button" onClick={() => void test()} disabled={testing || !rules.length} data-testid="rule-test">
          {testing ? t("form.ruleTesting") : t("form.ruleTest")}
        </button>
      </div>
      {testError && (
        <p className="form-error" role="alert">
          {testError}
        </p>
      )}
      {result && (
        <div className="rule-test-result" data-testid="rule-test-result" aria-live="polite">
          <p className="muted">
            {t("form.ruleTestFetched", { url: result.final_url, status: result.status_code ?? "—" })}
          </p>
          {result.error ? (
            <p className="form-error">{result.error}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>{t("form.ruleNameLabel")}</th>
                  <th>{t("form.ruleTestValue")}</th>
                </tr>
              </thead>
              <tbody>
                {result.rules.map((rule) => (
                  <tr key={rule.name} data-testid="rule-test-row">
                    <td>{rule.name}</td>
                    <td>
                      {rule.value === null ? <span className="muted">{t("form.ruleTestNothing")}</span> : asText(rule.value)}
                      {rule.reported !== null && rule.reported !== undefined && (
                        <span className="muted"> · {rule.reported ? t("form.ruleTestReported") : t("form.ruleTestNotReported")}</span>
                      )}
                      {rule.error && <span className="field-error"> · {rule.error}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </div>
  );
}

/** The interface language, chosen from a select; the choice is remembered. */
import { languages, useI18n, type Language } from "../../i18n";

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang-switch">
      <span className="visually-hidden">{t("nav.language")}</span>
      <select value={lang} onChange={(e) => setLang(e.target.value as Language)} aria-label={t("nav.language")} data-testid="language">
        {languages.map((l) => (
          <option key={l} value={l}>
            {t(`lang.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Two dictionaries of ICU messages (FormatJS's intl-messageformat), a context, and `t(key, vars)`;
 * no string is hard-coded. Counts are ICU plurals (`{n, plural, one {# page} other {# pages}}`),
 * chosen by `Intl.PluralRules` for the language (Russian has one/few/many), and `#` and
 * `{n, number}` are formatted for it (`109 366` in Russian, `109,366` in English).
 */
import { IntlMessageFormat } from "intl-messageformat";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { en, type MessageKey } from "./en";
import { ru } from "./ru";

export type Language = "en" | "ru";
export type { MessageKey };
export const dictionaries: Record<Language, Record<MessageKey, string>> = { en, ru };
export const languages: Language[] = ["en", "ru"];
/** The locale of numbers and dates in each language. */
export const locales: Record<Language, string> = { en: "en-GB", ru: "ru-RU" };
const STORAGE_KEY = "seo.lang";

export type MessageValues = Record<string, string | number>;
export type Translate = (key: MessageKey, vars?: MessageValues) => string;

const compiled = new Map<string, IntlMessageFormat>();

/** The compiled message (cached); throws on a message that is not valid ICU (a test parses them all). */
export function messageFormat(lang: Language, key: MessageKey): IntlMessageFormat {
  const id = `${lang}\u0000${key}`;
  let message = compiled.get(id);
  if (!message) {
    message = new IntlMessageFormat(dictionaries[lang][key] ?? en[key] ?? key, locales[lang]);
    compiled.set(id, message);
  }
  return message;
}

/**
 * One message in one language. A value the message needs but was not given shows the message's
 * source text instead of failing the screen, so the mistake is visible and nothing else breaks.
 */
export function translate(lang: Language, key: MessageKey, vars?: MessageValues): string {
  try {
    return String(messageFormat(lang, key).format(vars));
  } catch {
    return dictionaries[lang][key] ?? key;
  }
}

export function initialLanguage(): Language {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "en" || saved === "ru") return saved;
  } catch {
    // storage may be disabled; fall back to the browser's language
  }
  return typeof navigator !== "undefined" && navigator.language?.toLowerCase().startsWith("ru") ? "ru" : "en";
}

interface I18n {
  lang: Language;
  setLang: (lang: Language) => void;
  t: Translate;
  /** The locale for numbers and dates. */
  locale: string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children, lang: forced }: { children: ReactNode; lang?: Language }) {
  const [lang, setLangState] = useState<Language>(forced ?? initialLanguage);
  const setLang = useCallback((next: Language) => {
    setLangState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // not persisted; the choice still holds for this tab
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18n>(
    () => ({ lang, setLang, locale: locales[lang], t: (key, vars) => translate(lang, key, vars) }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error("useI18n outside I18nProvider");
  return ctx;
}

export function useT(): Translate {
  return useI18n().t;
}

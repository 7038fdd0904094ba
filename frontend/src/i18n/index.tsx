/** A small i18n layer: two dictionaries, a context, and `t(key, vars)`; no string is hard-coded. */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { en, type MessageKey } from "./en";
import { ru } from "./ru";

export type Language = "en" | "ru";
export const dictionaries: Record<Language, Record<MessageKey, string>> = { en, ru };
export const languages: Language[] = ["en", "ru"];
const STORAGE_KEY = "seo.lang";

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** Fill `{name}` placeholders; unknown placeholders stay visible so a missing variable is noticed. */
export function format(template: string, vars?: Record<string, string | number>): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
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
  const value = useMemo<I18n>(() => {
    const dict = dictionaries[lang];
    return {
      lang,
      setLang,
      locale: lang === "ru" ? "ru-RU" : "en-GB",
      t: (key, vars) => format(dict[key] ?? en[key] ?? key, vars),
    };
  }, [lang, setLang]);
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

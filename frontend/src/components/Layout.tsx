/** The page frame: header with navigation, language switch and logout; main content below. */
import { useEffect, type ReactNode } from "react";
import { Link, NavLink, useLocation, useNavigate } from "react-router";
import { api, setUnauthorizedHandler } from "../api/client";
import { languages, useI18n, type Language } from "../i18n";

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

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      const next = location.pathname + location.search;
      navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
    });
    return () => setUnauthorizedHandler(null);
  }, [navigate, location.pathname, location.search]);

  const logout = () => {
    api.logout().finally(() => navigate("/login"));
  };

  return (
    <>
      <a className="skip-link" href="#main">
        {t("app.skip")}
      </a>
      <header className="app-header">
        <Link to="/crawls" className="brand">
          {t("app.title")}
        </Link>
        <nav aria-label={t("app.title")}>
          <NavLink to="/crawls">{t("nav.crawls")}</NavLink>
          <NavLink to="/schedules">{t("nav.schedules")}</NavLink>
        </nav>
        <div className="header-tools">
          <LanguageSwitch />
          <button type="button" className="link-button" onClick={logout}>
            {t("nav.logout")}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** Tabs inside one crawl: overview, pages, issues. */
export function CrawlTabs({ crawlId }: { crawlId: string }) {
  const { t } = useI18n();
  const base = `/crawls/${encodeURIComponent(crawlId)}`;
  return (
    <nav className="tabs" aria-label={t("nav.overview")}>
      <Link to="/crawls" className="tab-back">
        ← {t("nav.back")}
      </Link>
      <NavLink to={base} end>
        {t("nav.overview")}
      </NavLink>
      <NavLink to={`${base}/pages`}>{t("nav.pages")}</NavLink>
      <NavLink to={`${base}/issues`}>{t("nav.issues")}</NavLink>
    </nav>
  );
}

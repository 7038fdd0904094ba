/** The page frame: header with navigation, language switch and logout; main content below. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, type ReactNode } from "react";
import { Link, NavLink, useLocation, useNavigate } from "react-router";
import { api, setUnauthorizedHandler } from "../api/client";
import { LanguageSwitch } from "../components/ui/LanguageSwitch";
import { useI18n } from "../i18n";

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const client = useQueryClient();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      const next = location.pathname + location.search;
      navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
    });
    return () => setUnauthorizedHandler(null);
  }, [navigate, location.pathname, location.search]);

  const logout = () => {
    // Nothing read under the old session may show after the next sign-in.
    api.logout().finally(() => {
      client.clear();
      navigate("/login");
    });
  };

  return (
    <>
      <a className="skip-link" href="#main">
        {t("app.skip")}
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          {t("app.title")}
        </Link>
        <nav aria-label={t("app.title")}>
          <NavLink to="/" end>
            {t("nav.sites")}
          </NavLink>
          <NavLink to="/crawls">{t("nav.crawls")}</NavLink>
          <NavLink to="/schedules">{t("nav.schedules")}</NavLink>
          <NavLink to="/alerts">{t("nav.alerts")}</NavLink>
          <NavLink to="/channels">{t("nav.channels")}</NavLink>
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

/** Tabs inside one crawl: overview, pages, issues, structure. */
import { Link, NavLink } from "react-router";
import { useI18n } from "../../i18n";

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
      <NavLink to={`${base}/structure`}>{t("nav.structure")}</NavLink>
    </nav>
  );
}

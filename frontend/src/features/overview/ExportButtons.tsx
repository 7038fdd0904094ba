/** Download links for a crawl's exports (CSV, JSON Lines, XLSX) and its sitemap.xml. */
import { api, type ExportFormat, type ExportWhat } from "../../api/client";
import { useI18n } from "../../i18n";

const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: "csv", label: "CSV" },
  { format: "json", label: "JSONL" },
  { format: "xlsx", label: "XLSX" },
];
const WHATS: ExportWhat[] = ["pages", "issues", "links"];

export function ExportButtons({ crawlId }: { crawlId: string }) {
  const { t, lang } = useI18n();
  return (
    <section className="exports" aria-labelledby="exports-title">
      <h2 id="exports-title">{t("export.title")}</h2>
      <div className="export-grid">
        {WHATS.map((what) => (
          <div key={what} className="export-row">
            <span className="export-what">{t(`export.${what}`)}</span>
            {FORMATS.map(({ format, label }) => (
              <a key={format} className="button" href={api.exportUrl(crawlId, format, what, lang)} download data-testid={`export-${what}-${format}`}>
                {label}
              </a>
            ))}
          </div>
        ))}
        <div className="export-row">
          <a className="button" href={api.sitemapUrl(crawlId)} download data-testid="export-sitemap">
            {t("export.sitemap")}
          </a>
        </div>
      </div>
    </section>
  );
}

/** A labelled progress bar for a crawl: pages crawled out of pages discovered (capped by the limit). */
import type { CrawlSummary } from "../../api/types";
import { useI18n } from "../../i18n";

export function crawlTotal(crawl: CrawlSummary): number {
  const limit = crawl.max_pages ?? Infinity; // on the list's summaries as on one crawl
  return Math.max(crawl.pages_crawled, Math.min(crawl.pages_discovered, limit));
}

export function ProgressBar({ crawl }: { crawl: CrawlSummary }) {
  const { t } = useI18n();
  const total = crawlTotal(crawl);
  const done = crawl.status === "completed" ? total : crawl.pages_crawled;
  const pct = crawl.status === "completed" ? 100 : total > 0 ? Math.min(100, (done / total) * 100) : 0;
  const label = t("crawls.pagesOf", { done: crawl.pages_crawled, total });
  return (
    <div className="progress">
      <div
        className={`progress-track status-${crawl.status}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(pct)}
        aria-valuetext={label}
      >
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <span className="progress-label">{label}</span>
    </div>
  );
}

/** A select of earlier completed crawls of the same site; choosing one opens the comparison. */
import { useNavigate } from "react-router";
import type { CrawlSummary } from "../../api/types";
import { useI18n } from "../../i18n";
import { formatDate } from "../../lib/format";

/** The crawls `crawl` can be compared with: other completed crawls of the same URL. */
export function comparableWith(crawl: CrawlSummary, all: CrawlSummary[]): CrawlSummary[] {
  return all.filter((o) => o.id !== crawl.id && o.url === crawl.url && o.status === "completed");
}

export function CompareSelect({ crawl, others, prompt, label, testId }: { crawl: CrawlSummary; others: CrawlSummary[]; prompt: string; label?: string; testId?: string }) {
  const { locale } = useI18n();
  const navigate = useNavigate();
  return (
    <select aria-label={label} value="" onChange={(e) => e.target.value && navigate(`/crawls/${crawl.id}/compare/${e.target.value}`)} data-testid={testId}>
      <option value="">{prompt}</option>
      {others.map((o) => (
        <option key={o.id} value={o.id}>
          {formatDate(o.created_at, locale)}
        </option>
      ))}
    </select>
  );
}

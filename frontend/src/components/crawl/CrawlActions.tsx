/** Pause, resume and cancel for a crawl that has not ended; the new state goes into the query cache. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { FINAL } from "../../api/live";
import { upsertCrawl } from "../../api/queries";
import type { CrawlSummary } from "../../api/types";
import { useI18n } from "../../i18n";
import { describeError } from "../ui/states";

type Action = "cancel" | "pause" | "resume";

export function CrawlActions({ crawl }: { crawl: CrawlSummary }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const change = useMutation({
    mutationFn: (action: Action) => api.changeCrawl(crawl.id, action),
    onSuccess: (next) => upsertCrawl(client, next),
  });
  const act = (action: Action) => change.mutate(action);
  return (
    <span className="actions">
      {(crawl.status === "queued" || crawl.status === "running") && (
        <button type="button" onClick={() => act("pause")} disabled={change.isPending}>
          {t("action.pause")}
        </button>
      )}
      {crawl.status === "paused" && (
        <button type="button" onClick={() => act("resume")} disabled={change.isPending}>
          {t("action.resume")}
        </button>
      )}
      {!FINAL.has(crawl.status) && (
        <button type="button" className="danger" onClick={() => act("cancel")} disabled={change.isPending}>
          {t("action.cancel")}
        </button>
      )}
      {change.error && (
        <span className="field-error" role="alert">
          {describeError(change.error, t)}
        </span>
      )}
    </span>
  );
}

/** Loading, empty and error states, the same everywhere; errors are said in words. */
import type { ReactNode } from "react";
import { ApiError } from "../../api/client";
import { useT, type Translate } from "../../i18n";

export function Loading() {
  const t = useT();
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {t("state.loading")}
    </p>
  );
}

export function Empty({ children }: { children?: ReactNode }) {
  const t = useT();
  return <p className="state state-empty">{children ?? t("state.empty")}</p>;
}

/** A person-readable sentence for any error the client can throw. */
export function describeError(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return t("state.network");
    if (error.status === 404) return t("state.notFound", { detail: error.detail });
    return t("state.error", { detail: error.detail });
  }
  return t("state.error", { detail: error instanceof Error ? error.message : String(error) });
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT();
  return (
    <div className="state state-error" role="alert">
      <p>{describeError(error, t)}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t("state.retry")}
        </button>
      )}
    </div>
  );
}

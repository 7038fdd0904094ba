/**
 * Change some of the address's query parameters in place (a view's filters, sort and columns live
 * there, so a view can be shared and survives a reload). `null` or "" removes a parameter; the
 * history entry is replaced, not added, so Back leaves the view instead of undoing a filter.
 */
import { useCallback } from "react";
import { useSearchParams } from "react-router";

export function useSearchParamsUpdate(): [URLSearchParams, (changes: Record<string, string | null>) => void] {
  const [params, setParams] = useSearchParams();
  const update = useCallback(
    (changes: Record<string, string | null>) =>
      setParams(
        (old) => {
          const next = new URLSearchParams(old);
          for (const [key, value] of Object.entries(changes)) {
            if (value === null || value === "") next.delete(key);
            else next.set(key, value);
          }
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [params, update];
}

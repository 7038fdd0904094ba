/** The browser tab says which view it is ("Issues — SEO Crawler"), in the UI's language. */
import { useEffect } from "react";
import { useT } from "../i18n";

export function useDocumentTitle(title: string | null | undefined): void {
  const t = useT();
  const app = t("app.title");
  useEffect(() => {
    document.title = title ? `${title} — ${app}` : app;
  }, [title, app]);
}

/** What every screen runs inside: the language and the server-state cache. */
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { I18nProvider, type Language } from "../i18n";
import { createQueryClient } from "./queryClient";

export function Providers({ children, lang, client }: { children: ReactNode; lang?: Language; client?: QueryClient }) {
  const [queryClient] = useState(() => client ?? createQueryClient());
  return (
    <I18nProvider lang={lang}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </I18nProvider>
  );
}

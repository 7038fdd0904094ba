/** /login: exchange the API token for a session cookie. */
import { useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api, ApiError } from "../../api/client";
import { LanguageSwitch } from "../../components/ui/LanguageSwitch";
import { describeError } from "../../components/ui/states";
import { useT } from "../../i18n";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";

/** Only same-site paths are followed after login (no open redirect through ?next=). */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/";
}

export function LoginView() {
  const t = useT();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useDocumentTitle(t("login.title"));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.login(token.trim());
      navigate(safeNext(params.get("next")), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) setError(t("login.failed"));
      else if (err instanceof ApiError && err.status === 429) setError(t("login.tooMany"));
      else setError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login" id="main">
      <form className="card login-card" onSubmit={submit} noValidate>
        <div className="login-head">
          <h1>{t("login.title")}</h1>
          <LanguageSwitch />
        </div>
        <p className="muted">{t("login.intro")}</p>
        <label htmlFor="token">{t("login.token")}</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          autoFocus
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "login-error" : undefined}
        />
        {error && (
          <p id="login-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !token.trim()}>
          {t("login.submit")}
        </button>
      </form>
    </main>
  );
}

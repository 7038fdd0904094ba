/**
 * /channels: where alerts go. A signed webhook, Slack, Telegram or email, each in English or
 * Russian; secrets are write-only (sent once, stored encrypted, never shown again). Each channel
 * can send a test message now and say whether it arrived.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ApiError } from "../../api/client";
import { keys } from "../../api/queries";
import type { Channel, ChannelInput, ChannelTest, ChannelType } from "../../api/types";
import { describeError, Empty, ErrorState, Loading } from "../../components/ui/states";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useI18n } from "../../i18n";

const FIELDS: Record<ChannelType, { name: string; secret?: boolean; type?: string }[]> = {
  webhook: [{ name: "url", type: "url" }, { name: "secret", secret: true }],
  slack: [{ name: "webhook_url", secret: true, type: "url" }],
  telegram: [{ name: "bot_token", secret: true }, { name: "chat_id" }],
  email: [{ name: "host" }, { name: "port", type: "number" }, { name: "security" }, { name: "username" }, { name: "password", secret: true }, { name: "from", type: "email" }, { name: "to" }],
};
const DEFAULTS: Record<string, string> = { port: "587", security: "starttls" };

function configOf(type: ChannelType, values: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS[type]) {
    const value = (values[field.name] ?? DEFAULTS[field.name] ?? "").trim();
    if (!value) continue;
    out[field.name] = field.name === "port" ? Number(value) : field.name === "to" ? value.split(",").map((v) => v.trim()).filter(Boolean) : value;
  }
  return out;
}

function ChannelForm() {
  const { t } = useI18n();
  const client = useQueryClient();
  const [type, setType] = useState<ChannelType>("webhook");
  const [name, setName] = useState("");
  const [language, setLanguage] = useState<"en" | "ru">("en");
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (input: ChannelInput) => api.createChannel(input),
    onSuccess: (channel) => {
      client.setQueryData<Channel[]>(keys.channels(), (old) => [...(old ?? []), channel]);
      setValues({});
      setName("");
      setError(null);
    },
    onError: (err) => setError(err instanceof ApiError ? err.detail : describeError(err, t)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setError(t("form.required"));
      return;
    }
    create.mutate({ type, name: name.trim(), language, config: configOf(type, values) });
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="new-channel-title">
      <h2 id="new-channel-title">{t("channels.new")}</h2>
      <div className="grid-2">
        <div className="field">
          <label htmlFor="channel-type">{t("channels.type")}</label>
          <select id="channel-type" value={type} onChange={(e) => setType(e.target.value as ChannelType)}>
            {(Object.keys(FIELDS) as ChannelType[]).map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="channel-name">{t("channels.name")}</label>
          <input id="channel-name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="channel-language">{t("channels.language")}</label>
          <select id="channel-language" value={language} onChange={(e) => setLanguage(e.target.value as "en" | "ru")}>
            <option value="en">{t("lang.en")}</option>
            <option value="ru">{t("lang.ru")}</option>
          </select>
        </div>
        {FIELDS[type].map((field) => (
          <div className="field" key={`${type}-${field.name}`}>
            <label htmlFor={`channel-${field.name}`}>{t(`channels.field.${field.name}` as "channels.field.url")}</label>
            <input
              id={`channel-${field.name}`}
              type={field.secret ? "password" : (field.type ?? "text")}
              autoComplete="off"
              value={values[field.name] ?? DEFAULTS[field.name] ?? ""}
              onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
            />
          </div>
        ))}
      </div>
      <p className="muted">{t("channels.secretNote")}</p>
      {error && <p className="form-error">{error}</p>}
      <button type="submit" disabled={create.isPending}>
        {t("channels.create")}
      </button>
    </form>
  );
}

function ChannelRow({ channel }: { channel: Channel }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [result, setResult] = useState<ChannelTest | null>(null);
  const test = useMutation({ mutationFn: () => api.testChannel(channel.id), onSuccess: setResult });
  const remove = useMutation({
    mutationFn: () => api.deleteChannel(channel.id),
    onSuccess: () => client.setQueryData<Channel[]>(keys.channels(), (old) => (old ?? []).filter((c) => c.id !== channel.id)),
  });
  const target = [channel.config.url, channel.config.chat_id, Array.isArray(channel.config.to) ? channel.config.to.join(", ") : null, channel.config.host]
    .filter((v) => typeof v === "string" && v)
    .join(" · ");
  return (
    <li className="card channel" data-testid="channel-row">
      <h3>
        {channel.name} <span className="muted">({channel.type}, {channel.language})</span>
      </h3>
      {target && <p className="mono">{target}</p>}
      <div className="actions">
        <button type="button" onClick={() => test.mutate()} disabled={test.isPending}>
          {t("channels.test")}
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            if (window.confirm(t("channels.deleteConfirm", { name: channel.name }))) remove.mutate();
          }}
        >
          {t("channels.delete")}
        </button>
      </div>
      {result && (
        <p role="status" className={result.delivered ? "ok" : "field-error"} data-testid="test-result">
          {result.delivered ? t("channels.testOk", { detail: result.detail }) : t("channels.testFailed", { detail: result.detail })}
        </p>
      )}
      {test.isError && <p className="field-error">{describeError(test.error, t)}</p>}
    </li>
  );
}

export function ChannelsView() {
  const { t } = useI18n();
  useDocumentTitle(t("channels.title"));
  const channels = useQuery({ queryKey: keys.channels(), queryFn: ({ signal }) => api.listChannels(signal) });
  return (
    <section>
      <h1>{t("channels.title")}</h1>
      {channels.isPending ? (
        <Loading />
      ) : channels.isError ? (
        <ErrorState error={channels.error} onRetry={() => channels.refetch()} />
      ) : channels.data.length === 0 ? (
        <Empty>{t("channels.empty")}</Empty>
      ) : (
        <ul className="plain">
          {channels.data.map((channel) => (
            <ChannelRow key={channel.id} channel={channel} />
          ))}
        </ul>
      )}
      <ChannelForm />
    </section>
  );
}

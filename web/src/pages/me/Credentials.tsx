// App passwords or API keys for Subsonic apps (/v1/me/app-passwords,
// /v1/me/api-keys): create one with a name, see its secret once, list, revoke.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { Schema } from "../../api/types";
import { ErrorNote, Loading, errorText, fieldMessage } from "../../charts/Status";

export type CredentialKind = "app-passwords" | "api-keys";

export type Credential = Schema<"Credential">;
/** The one answer that shows the secret. */
export type CreatedCredential = Schema<"Created">;

function useDate() {
  const { i18n } = useTranslation();
  const format = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });
  return (iso: string) => format.format(new Date(iso));
}

export function Credentials({ kind }: { kind: CredentialKind }) {
  const { t } = useTranslation();
  const id = useId();
  const client = useQueryClient();
  const key = ["me", kind];
  const list = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => api<Schema<"Credentials">>(`/v1/me/${kind}`, { signal }),
  });
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedCredential | null>(null);
  const create = useMutation({
    mutationFn: (newName: string) => api<CreatedCredential>(`/v1/me/${kind}`, { method: "POST", body: { name: newName } satisfies Schema<"NewCredential"> }),
    onSuccess: (credential) => {
      setCreated(credential);
      setName("");
      void client.invalidateQueries({ queryKey: key });
    },
  });
  const nameError = fieldMessage(create.error, "name");

  function submit(event: FormEvent) {
    event.preventDefault();
    if (name.trim()) create.mutate(name.trim());
  }

  return (
    <section className="credentials card" aria-labelledby={`${id}-title`} data-testid={`credentials-${kind}`}>
      <h3 id={`${id}-title`}>{t(`me.credentials.${kind}.title`)}</h3>
      <p className="me-muted">{t(`me.credentials.${kind}.about`)}</p>
      <form className="credential-form" onSubmit={submit} noValidate>
        <label htmlFor={`${id}-name`}>{t(`me.credentials.${kind}.name`)}</label>
        <div className="credential-row">
          <input
            id={`${id}-name`}
            value={name}
            maxLength={64}
            required
            autoComplete="off"
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? `${id}-name-error` : undefined}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" disabled={create.isPending || !name.trim()}>
            {t(`me.credentials.${kind}.create`)}
          </button>
        </div>
        {nameError ? (
          <p id={`${id}-name-error`} className="error">{t("me.credentials.fieldError", { field: t(`me.credentials.${kind}.name`), message: nameError })}</p>
        ) : (
          create.isError && <ErrorNote error={create.error} />
        )}
      </form>
      {created && <Secret kind={kind} credential={created} onDone={() => setCreated(null)} />}
      {list.isPending && <Loading />}
      {list.isError && <ErrorNote error={list.error} onRetry={() => void list.refetch()} />}
      {list.data && <CredentialList kind={kind} items={list.data.items} />}
    </section>
  );
}

function Secret({ kind, credential, onDone }: { kind: CredentialKind; credential: CreatedCredential; onDone: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, [credential.id]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(credential.secret);
      setCopied("yes");
    } catch {
      // No clipboard access (an insecure origin or a refused permission): leave it selected to copy by hand.
      input.current?.select();
      setCopied("no");
    }
  }

  return (
    <div className="credential-secret" data-testid="credential-secret">
      <label htmlFor={`${id}-secret`}>{t(`me.credentials.${kind}.secret`, { name: credential.name })}</label>
      <p className="me-muted">{t("me.credentials.once")}</p>
      <div className="credential-row">
        <input id={`${id}-secret`} ref={input} readOnly value={credential.secret} className="secret-value" onFocus={(e) => e.target.select()} />
        <button type="button" onClick={() => void copy()}>{t("me.credentials.copy")}</button>
        <button type="button" onClick={onDone}>{t("me.credentials.done")}</button>
      </div>
      <p role="status" className="me-muted">
        {copied === "yes" ? t("me.credentials.copied") : copied === "no" ? t("me.credentials.copyFailed") : ""}
      </p>
    </div>
  );
}

function CredentialList({ kind, items }: { kind: CredentialKind; items: Credential[] }) {
  const { t } = useTranslation();
  const date = useDate();
  const client = useQueryClient();
  const [confirming, setConfirming] = useState<string | null>(null);
  const revoke = useMutation({
    mutationFn: (credentialId: string) => api<void>(`/v1/me/${kind}/${credentialId}`, { method: "DELETE" }),
    onSuccess: () => {
      setConfirming(null);
      void client.invalidateQueries({ queryKey: ["me", kind] });
    },
  });

  if (items.length === 0) return <p className="me-muted">{t(`me.credentials.${kind}.none`)}</p>;
  return (
    <>
      <ul className="credential-list">
        {items.map((item) => (
          <li key={item.id} data-testid="credential-row">
            <div>
              <strong>{item.name}</strong>
              <span className="me-muted credential-meta">
                {t("me.credentials.created", { at: date(item.created_at) })}
                {" · "}
                {item.last_used_at ? t("me.credentials.lastUsed", { at: date(item.last_used_at) }) : t("me.credentials.neverUsed")}
              </span>
            </div>
            {confirming === item.id ? (
              <div className="credential-confirm" role="group" aria-label={t("me.credentials.confirm", { name: item.name })}>
                <span>{t("me.credentials.confirm", { name: item.name })}</span>
                <button type="button" className="revoke-yes" disabled={revoke.isPending} onClick={() => revoke.mutate(item.id)}>
                  {t("me.credentials.revokeYes")}
                </button>
                <button type="button" autoFocus onClick={() => setConfirming(null)}>{t("me.credentials.cancel")}</button>
              </div>
            ) : (
              <button type="button" onClick={() => setConfirming(item.id)}>
                {t("me.credentials.revoke")}
                <span className="visually-hidden">{` ${item.name}`}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {revoke.isError && <p role="alert" className="error">{errorText(revoke.error)}</p>}
    </>
  );
}

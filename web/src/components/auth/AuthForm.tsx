// The sign-in and sign-up form: checks the fields first, then asks the
// gateway for a cookie session (the refresh token stays in an HttpOnly
// cookie) and goes on to `next`. Every refusal is said in words: the field
// at fault, a wrong password, a taken name, or how long to wait.
import { useRef, useState, type FormEvent, type ReactNode } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { call, COOKIE_SESSION, errorOf, session } from "../../api/client";
import type { Session } from "../../api/session";
import { safeNext, type Fields, type Problems } from "./rules";
import "./auth.css";

export interface FieldSpec {
  name: string;
  type: "text" | "email" | "password";
  autoComplete: string;
  /** The rule, said before anything goes wrong. */
  help?: string;
}

export function AuthForm({
  title,
  fields,
  endpoint,
  check,
  submit,
  footer,
}: {
  title: string;
  fields: FieldSpec[];
  endpoint: string;
  check: (f: Fields) => Problems;
  submit: string;
  footer: ReactNode;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const form = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<Fields>(() => Object.fromEntries(fields.map((f) => [f.name, ""])));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState("");
  const [busy, setBusy] = useState(false);

  const label = (name: string) => t(`auth.fields.${name}`, { defaultValue: name });

  function focusFirst(errors: Record<string, string>) {
    const first = fields.find((f) => errors[f.name]);
    if (first) form.current?.querySelector<HTMLInputElement>(`[name="${first.name}"]`)?.focus();
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setFormError("");
    const problems = check(values);
    const local = Object.fromEntries(Object.entries(problems).map(([k, key]) => [k, t(key)]));
    setFieldErrors(local);
    if (Object.keys(local).length) return focusFirst(local);

    setBusy(true);
    try {
      const body = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, k === "password" ? v : v.trim()]));
      const response = await call(endpoint, { anonymous: true, method: "POST", body, headers: COOKIE_SESSION });
      if (response.ok) {
        session.set((await response.json()) as Session);
        navigate(safeNext(params.get("next")), { replace: true });
        return;
      }
      const error = await errorOf(response);
      const byField: Record<string, string> = {};
      for (const f of error.fields) {
        byField[f.field] = error.status === 409 ? t("auth.errors.taken", { field: label(f.field) }) : f.message;
      }
      setFieldErrors(byField);
      if (error.status === 401) setFormError(t("auth.errors.wrong"));
      else if (error.status === 429) setFormError(t("auth.errors.throttled", { n: error.retryAfter ?? 60 }));
      else if (!error.fields.length) setFormError(t("common.error", { message: error.message }));
      else setFormError(t("auth.errors.fields", { fields: error.fields.map((f) => label(f.field)).join(", ") }));
      focusFirst(byField);
    } catch {
      setFormError(t("auth.errors.network"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="auth">
      <h1>{title}</h1>
      <form ref={form} className="stack" noValidate onSubmit={(e) => void onSubmit(e)}>
        {fields.map((f) => {
          const error = fieldErrors[f.name];
          return (
            <div key={f.name} className="field">
              <label htmlFor={`auth-${f.name}`}>{label(f.name)}</label>
              <input
                id={`auth-${f.name}`}
                name={f.name}
                type={f.type}
                autoComplete={f.autoComplete}
                value={values[f.name]}
                onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${f.name}-error` : f.help ? `${f.name}-help` : undefined}
              />
              {error ? (
                <span id={`${f.name}-error`} className="error">
                  {error}
                </span>
              ) : (
                f.help && (
                  <span id={`${f.name}-help`} className="muted help">
                    {f.help}
                  </span>
                )
              )}
            </div>
          );
        })}
        <div role="alert" className="form-error">
          {formError && <p className="error">{formError}</p>}
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t("auth.busy") : submit}
        </button>
      </form>
      <p>{footer}</p>
    </section>
  );
}

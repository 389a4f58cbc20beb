// One form for editing or creating an artist, album or track: its fields
// come from a spec (forms.ts), its errors from the API, each shown under
// the field it names.
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/client";
import { errorText } from "../../charts/Status";
import { changes, creation, type FieldSpec, type Values } from "./forms";

export interface EntityFormProps {
  spec: FieldSpec[];
  initial: Values;
  mode: "edit" | "create";
  submitLabel: string;
  /** Sends the body; rejects with the API's error. */
  onSubmit: (body: Record<string, unknown>) => Promise<unknown>;
  testId?: string;
}

export function EntityForm({ spec, initial, mode, submitLabel, onSubmit, testId }: EntityFormProps) {
  const { t } = useTranslation();
  const id = useId();
  const [values, setValues] = useState<Values>(initial);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = mode === "edit" ? changes(spec, initial, values) : creation(spec, values);
    setError(null);
    if (mode === "edit" && Object.keys(body).length === 0) {
      setStatus(t("studio.form.unchanged"));
      return;
    }
    setBusy(true);
    setStatus("");
    try {
      await onSubmit(body);
      setStatus(mode === "edit" ? t("studio.form.saved") : t("studio.form.created"));
      if (mode === "create") setValues(initial);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const fieldErrors = error instanceof ApiError ? error.fields : [];
  const known = new Set(spec.map((f) => f.name));
  // Errors about fields this form does not show (or none at all) go above the button.
  const general = error && fieldErrors.every((f) => !known.has(f.field)) ? errorText(error) : null;

  return (
    <form className="studio-form" onSubmit={(e) => void submit(e)} noValidate data-testid={testId}>
      {spec.map((field) => {
        const inputId = `${id}-${field.name}`;
        const message = fieldErrors.find((f) => f.field === field.name)?.message;
        const hint = field.kind === "genres" ? t("studio.form.genresHint") : field.name === "country" ? t("studio.form.countryHint") : null;
        const described = [message ? `${inputId}-error` : null, hint ? `${inputId}-hint` : null].filter(Boolean).join(" ") || undefined;
        const common = {
          id: inputId,
          value: values[field.name] ?? "",
          "aria-invalid": message ? true : undefined,
          "aria-describedby": described,
          onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [field.name]: e.target.value })),
        };
        return (
          <div className="studio-field" key={field.name}>
            <label htmlFor={inputId}>
              {t(`studio.fields.${field.name}`)}
              {field.required && <span aria-hidden="true"> *</span>}
            </label>
            {field.kind === "select" ? (
              <select {...common}>
                {(field.options ?? []).map((o) => (
                  <option key={o.value} value={o.value}>{o.label}</option>
                ))}
              </select>
            ) : (
              <input
                {...common}
                type="text"
                inputMode={field.kind === "number" ? "numeric" : undefined}
                required={field.required}
                maxLength={field.maxLength}
                autoComplete="off"
              />
            )}
            {hint && <span id={`${inputId}-hint`} className="studio-hint">{hint}</span>}
            {message && <span id={`${inputId}-error`} className="error">{message}</span>}
          </div>
        );
      })}
      {general && <p role="alert" className="error">{general}</p>}
      {fieldErrors.length > 0 && !general && (
        <p role="alert" className="error">{t("studio.form.fixFields", { fields: fieldErrors.map((f) => t(`studio.fields.${f.field}`, { defaultValue: f.field })).join(", ") })}</p>
      )}
      <div className="studio-actions">
        <button type="submit" disabled={busy}>{submitLabel}</button>
        <span role="status" className="studio-status">{status}</span>
      </div>
    </form>
  );
}

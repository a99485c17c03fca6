/** The form of a sign-in step (credentials, MFA code): the error it explains, its fields, then submit and Back. */
import type { ComponentChildren } from "preact";
import { t } from "../i18n.ts";

/** Id of the form's error notice, for the fields' `aria-describedby`. */
export const FORM_ERROR_ID = "hc-form-error";

/** Props of `SignInForm`. */
export interface SignInFormProps {
  onSubmit: (e: Event) => void;
  onBack: () => void;
  submitLabel: string;
  /** The shown error's text, or null for none. */
  error: string | null;
  children?: ComponentChildren;
}

/** A sign-in form; the browser's own validation is off so that the screen's checks and focus rules apply. */
export function SignInForm({ onSubmit, onBack, submitLabel, error, children }: SignInFormProps) {
  return (
    <form onSubmit={onSubmit} noValidate>
      {error !== null ? (
        <p id={FORM_ERROR_ID} role="alert" class="notice error">
          {error}
        </p>
      ) : null}
      {children}
      <div class="actions">
        <button type="submit" class="primary">
          {submitLabel}
        </button>
        <button type="button" onClick={onBack}>
          {t("back")}
        </button>
      </div>
    </form>
  );
}

/** The one-time code step of a credentials_mfa source. */
import { useRef } from "preact/hooks";
import { Screen } from "../components/Screen.tsx";
import { useApp } from "../context.ts";
import { t } from "../i18n.ts";
import { errorMessage } from "./messages.ts";

/** The MFA code form. */
export function MfaScreen() {
  const { flow } = useApp();
  const code = useRef<HTMLInputElement>(null);
  const formError = flow.formError.value;
  const prompt = flow.challenge.value?.prompt;
  function onSubmit(e: Event) {
    e.preventDefault();
    const value = code.current?.value.replace(/\s+/g, "") ?? "";
    if (!value) return code.current?.focus();
    void flow.submitMfa(value);
  }
  return (
    <Screen title={t("mfaHeading")}>
      {prompt ? (
        <p id="hc-mfa-prompt" class="muted">
          {prompt}
        </p>
      ) : null}
      <form onSubmit={onSubmit} noValidate>
        {formError ? (
          <p id="hc-form-error" role="alert" class="notice error">
            {errorMessage(formError, flow.sourceName())}
          </p>
        ) : null}
        <div class="field">
          <label for="hc-code">{t("mfaLabel")}</label>
          <input
            ref={code}
            id="hc-code"
            name="code"
            inputMode="numeric"
            autocomplete="one-time-code"
            maxLength={12}
            required
            data-autofocus
            aria-invalid={formError ? true : undefined}
            aria-describedby={[prompt ? "hc-mfa-prompt" : "", formError ? "hc-form-error" : ""].join(" ").trim() || undefined}
          />
        </div>
        <div class="actions">
          <button type="submit" class="primary">
            {t("verify")}
          </button>
          <button type="button" onClick={flow.back}>
            {t("back")}
          </button>
        </div>
      </form>
    </Screen>
  );
}

/** The one-time code step of a credentials_mfa source. */
import { useRef } from "preact/hooks";
import { Screen } from "../components/Screen.tsx";
import { FORM_ERROR_ID, SignInForm } from "../components/SignInForm.tsx";
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
      <SignInForm
        onSubmit={onSubmit}
        onBack={flow.back}
        submitLabel={t("verify")}
        error={formError ? errorMessage(formError, flow.sourceName()) : null}
      >
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
            aria-describedby={[prompt ? "hc-mfa-prompt" : "", formError ? FORM_ERROR_ID : ""].join(" ").trim() || undefined}
          />
        </div>
      </SignInForm>
    </Screen>
  );
}

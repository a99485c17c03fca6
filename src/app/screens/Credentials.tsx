/** Username and password for a source. The password lives only in the field until submitted. */
import { useRef } from "preact/hooks";
import { Screen } from "../components/Screen.tsx";
import { FORM_ERROR_ID, SignInForm } from "../components/SignInForm.tsx";
import { useApp } from "../context.ts";
import { t } from "../i18n.ts";
import { errorMessage } from "./messages.ts";

/** The credentials form. */
export function CredentialsScreen() {
  const { flow } = useApp();
  const name = flow.sourceName();
  const user = useRef<HTMLInputElement>(null);
  const pass = useRef<HTMLInputElement>(null);
  const formError = flow.formError.value;
  function onSubmit(e: Event) {
    e.preventDefault();
    const u = user.current?.value.trim() ?? "";
    const p = pass.current?.value ?? "";
    if (!u) return user.current?.focus();
    if (!p) return pass.current?.focus();
    void flow.submitCredentials(u, p);
  }
  return (
    <Screen title={t("credentialsHeading", { name })}>
      <p class="muted">{t("credentialsHint", { name })}</p>
      <SignInForm
        onSubmit={onSubmit}
        onBack={flow.back}
        submitLabel={t("connect")}
        error={formError ? errorMessage(formError, name) : null}
      >
        <div class="field">
          <label for="hc-username">{t("username")}</label>
          <input
            ref={user}
            id="hc-username"
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            required
            data-autofocus
            defaultValue={flow.username.value}
            aria-invalid={formError === "INVALID_CREDENTIALS" ? true : undefined}
            aria-describedby={formError ? FORM_ERROR_ID : undefined}
          />
        </div>
        <div class="field">
          <label for="hc-password">{t("password")}</label>
          <input
            ref={pass}
            id="hc-password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            aria-invalid={formError === "INVALID_CREDENTIALS" ? true : undefined}
          />
        </div>
      </SignInForm>
    </Screen>
  );
}

/** OAuth sign-in: waiting for the popup, leaving by redirect, or a clear way on when the popup was blocked or closed. */
import { Screen } from "../components/Screen.tsx";
import { useApp } from "../context.ts";
import { t } from "../i18n.ts";

/** The OAuth screen. */
export function OAuthScreen() {
  const { flow } = useApp();
  const name = flow.sourceName();
  const phase = flow.oauthPhase.value;
  const canRedirect = flow.canRedirect();
  const text =
    phase === "starting"
      ? t("oauthStarting")
      : phase === "waiting"
        ? t("oauthWaiting", { name })
        : phase === "redirecting"
          ? t("oauthRedirecting", { name })
          : phase === "blocked"
            ? t(canRedirect ? "oauthBlockedRedirect" : "oauthBlocked")
            : phase === "closed"
              ? t("oauthClosed")
              : t(canRedirect && flow.redirectPreferred() ? "oauthIdleRedirect" : "oauthIdle", { name });
  const canRetry = phase === "blocked" || phase === "closed" || phase === "idle";
  const busy = phase === "starting" || phase === "waiting" || phase === "redirecting";
  return (
    <Screen title={t("oauthHeading", { name })}>
      {busy ? <div class="spinner" aria-hidden="true" /> : null}
      <p role="status" class={phase === "blocked" ? "notice error" : undefined}>
        {text}
      </p>
      <div class="actions">
        {phase === "blocked" && canRedirect ? (
          <button type="button" class="primary" onClick={flow.continueInWindow}>
            {t("oauthContinueHere")}
          </button>
        ) : null}
        {canRetry ? (
          <button type="button" class={phase === "blocked" && canRedirect ? undefined : "primary"} onClick={flow.retryOAuth}>
            {phase === "idle" ? t("connect") : t("tryAgain")}
          </button>
        ) : null}
        {phase === "redirecting" ? null : (
          <button type="button" onClick={flow.back}>
            {t("cancel")}
          </button>
        )}
      </div>
    </Screen>
  );
}

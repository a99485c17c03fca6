/** OAuth in a popup: waiting for it, or a clear button when it was blocked or closed early. */
import { Screen } from "../components/Screen.tsx";
import { useApp } from "../context.ts";
import { t } from "../i18n.ts";

/** The OAuth popup screen. */
export function OAuthScreen() {
  const { flow } = useApp();
  const name = flow.sourceName();
  const phase = flow.oauthPhase.value;
  const text =
    phase === "starting"
      ? t("oauthStarting")
      : phase === "waiting"
        ? t("oauthWaiting", { name })
        : phase === "blocked"
          ? t("oauthBlocked")
          : phase === "closed"
            ? t("oauthClosed")
            : t("oauthIdle", { name });
  const canRetry = phase === "blocked" || phase === "closed" || phase === "idle";
  return (
    <Screen title={t("oauthHeading", { name })}>
      {phase === "starting" || phase === "waiting" ? <div class="spinner" aria-hidden="true" /> : null}
      <p role="status" class={phase === "blocked" ? "notice error" : undefined}>
        {text}
      </p>
      <div class="actions">
        {canRetry ? (
          <button type="button" class="primary" onClick={flow.retryOAuth}>
            {phase === "idle" ? t("connect") : t("tryAgain")}
          </button>
        ) : null}
        <button type="button" onClick={flow.back}>
          {t("cancel")}
        </button>
      </div>
    </Screen>
  );
}

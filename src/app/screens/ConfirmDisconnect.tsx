/** The confirmation step before a source is disconnected. */
import { Screen } from "../components/Screen.tsx";
import { useApp } from "../context.ts";
import { t } from "../i18n.ts";

/** The disconnect confirmation screen. */
export function ConfirmDisconnectScreen() {
  const app = useApp();
  const { flow } = app;
  const name = flow.pendingDisconnect.value?.name ?? "";
  const client = app.session.client.value?.name ?? "";
  const busy = flow.busy.value;
  return (
    <Screen title={t("confirmHeading", { name })}>
      <p>{t("confirmBody", { client, name })}</p>
      <div class="actions">
        <button type="button" class="danger" disabled={busy} onClick={() => void flow.confirmDisconnect()}>
          {t("disconnect")}
        </button>
        <button type="button" disabled={busy} onClick={flow.cancelDisconnect}>
          {t("cancel")}
        </button>
      </div>
      <p role="status" class="muted">
        {busy ? t("disconnectingBody", { name }) : ""}
      </p>
    </Screen>
  );
}

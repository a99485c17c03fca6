/** Success: a source was connected or disconnected. */
import { Screen } from "../components/Screen.tsx";
import { useApp } from "../context.ts";
import { t } from "../i18n.ts";

/** The done screen. */
export function DoneScreen() {
  const app = useApp();
  const outcome = app.flow.outcome.value;
  const name = outcome?.source.name ?? "";
  const client = app.session.client.value?.name ?? "";
  const kind = outcome?.kind ?? "connected";
  const [title, body] =
    kind === "repaired" ? (["doneRepaired", "doneRepairedBody"] as const)
    : kind === "disconnected" ? (["doneDisconnected", "doneDisconnectedBody"] as const)
    : (["doneConnected", "doneConnectedBody"] as const);
  return (
    <Screen title={t(title, { name })}>
      <div class="check" aria-hidden="true" />
      <p>{t(body, { client, name })}</p>
      <div class="actions">
        <button type="button" class="primary" onClick={() => app.close("SUCCESS")}>
          {t("done")}
        </button>
        <button type="button" onClick={() => app.flow.go("search")}>
          {t("connectAnother")}
        </button>
        <button type="button" onClick={() => app.flow.go("connections")}>
          {t("yourConnections")}
        </button>
      </div>
    </Screen>
  );
}

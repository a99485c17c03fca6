/**
 * The user's current connections, each with a Disconnect button (which asks for confirmation); a connection that
 * needs re-authorisation says so and offers Reconnect.
 */
import { Screen } from "../components/Screen.tsx";
import { useApp } from "../context.ts";
import { t } from "../i18n.ts";

/** The "Your connections" screen. */
export function ConnectionsScreen() {
  const app = useApp();
  const list = app.session.connections.value;
  const broken = app.session.needsReauth.value;
  return (
    <Screen title={t("connectionsHeading")}>
      {list.length > 0 ? (
        <ul class="connections">
          {list.map((c) => (
            <li key={c.id}>
              <span id={`hc-conn-${c.id}`}>
                <span class="name">{c.name}</span>
                {broken.has(c.id) ? <span class="meta status-warn">{t("needsReauth")}</span> : null}
              </span>
              <span class="row-actions">
                {broken.has(c.id) ? (
                  <button type="button" class="primary" aria-describedby={`hc-conn-${c.id}`} onClick={() => void app.flow.repair(c)}>
                    {t("reconnect")}
                  </button>
                ) : null}
                <button type="button" class="danger" aria-describedby={`hc-conn-${c.id}`} onClick={() => app.flow.askDisconnect(c)}>
                  {t("disconnect")}
                </button>
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="empty">{t("noConnections")}</p>
      )}
      <div class="actions">
        <button type="button" onClick={() => app.flow.go("search")}>
          {t("findSources")}
        </button>
      </div>
    </Screen>
  );
}

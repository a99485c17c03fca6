/** The user's current connections, each with a Disconnect button (which asks for confirmation). */
import { Screen } from "../components/Screen.tsx";
import { useApp } from "../context.ts";
import { t } from "../i18n.ts";

/** The "Your connections" screen. */
export function ConnectionsScreen() {
  const app = useApp();
  const list = app.session.connections.value;
  return (
    <Screen title={t("connectionsHeading")}>
      {list.length > 0 ? (
        <ul class="connections">
          {list.map((c) => (
            <li key={c.id}>
              <span id={`hc-conn-${c.id}`} class="name">
                {c.name}
              </span>
              <button type="button" class="danger" aria-describedby={`hc-conn-${c.id}`} onClick={() => app.flow.askDisconnect(c)}>
                {t("disconnect")}
              </button>
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

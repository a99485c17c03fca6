/** One source: name, type, location, sign-in method, and Connect (or Disconnect when already connected). */
import { Screen } from "../components/Screen.tsx";
import { useApp } from "../context.ts";
import { t } from "../i18n.ts";
import { authLabel, typeLabel } from "./messages.ts";

/** The source detail screen. */
export function SourceDetailScreen() {
  const app = useApp();
  const { flow } = app;
  const s = flow.source.value;
  const connected = s ? s.connected || app.session.connections.value.some((c) => c.id === s.id) : false;
  const broken = s ? app.session.needsReauth.value.has(s.id) || s.connection_status === "needs_reauth" : false;
  return (
    <Screen title={s ? s.name : t("loading")}>
      {s ? (
        <>
          <dl class="facts">
            <dt>{t("sourceType")}</dt>
            <dd>{typeLabel(s.type)}</dd>
            <dt>{t("location")}</dt>
            <dd>
              {s.city}, {s.state}
            </dd>
            <dt>{t("signIn")}</dt>
            <dd>{authLabel(s.auth)}</dd>
          </dl>
          {s.description ? <p>{s.description}</p> : null}
          {broken ? (
            <p class="notice" id="hc-needs-reauth">
              <strong>{t("needsReauth")}.</strong> {t("needsReauthBody", { name: s.name })}
            </p>
          ) : null}
          <div class="actions">
            {broken ? (
              <button type="button" class="primary" aria-describedby="hc-needs-reauth" onClick={flow.beginConnect}>
                {t("reconnect")}
              </button>
            ) : null}
            {connected ? (
              <button type="button" class="danger" onClick={() => flow.askDisconnect({ name: s.name, id: s.id })}>
                {t("disconnect")}
              </button>
            ) : (
              <button type="button" class="primary" onClick={flow.beginConnect}>
                {t("connect")}
              </button>
            )}
            <button type="button" onClick={flow.back}>
              {t("back")}
            </button>
          </div>
        </>
      ) : (
        <>
          <div class="spinner" aria-hidden="true" />
          <button type="button" onClick={flow.back}>
            {t("back")}
          </button>
        </>
      )}
    </Screen>
  );
}

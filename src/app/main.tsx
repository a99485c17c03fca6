/** Entry of the Connect app page: picks the language, shakes hands with the page, loads the session, renders. */
import { render } from "preact";
import { createApi } from "./api.ts";
import { App } from "./App.tsx";
import { connectToParent, isEmbedded } from "./bridge.ts";
import { chooseLanguage, language, t } from "./i18n.ts";
import { createAppModel } from "./models/app.ts";
import { Screen } from "./components/Screen.tsx";
import type { FlowWindow } from "./models/connect-flow.ts";
import "./styles.css";

const root = document.getElementById("app");

function setLanguage(...candidates: Array<string | null | undefined>) {
  language.value = chooseLanguage(...candidates);
  document.documentElement.lang = language.value;
  document.title = t("appTitle");
}

/** The app's window as the flow uses it: a named popup window, the message events, our own origin. */
export const browserWindow: FlowWindow = {
  origin: location.origin,
  open: (url) => window.open(url, "human-connect-oauth", "popup,width=480,height=640"),
  addEventListener: (type, listener) => window.addEventListener(type, listener),
  removeEventListener: (type, listener) => window.removeEventListener(type, listener),
};

const langParam = new URLSearchParams(location.search).get("lang");
setLanguage(langParam, navigator.language);

if (root) {
  if (!isEmbedded()) {
    // A full-page hosted mode (token given by the server) plugs in here as another Host.
    render(
      <main class="app">
        <Screen title={t("appTitle")}>
          <p>{t("hostedUnavailable")}</p>
        </Screen>
      </main>,
      root,
    );
  } else {
    render(
      <main class="app">
        <Screen title={t("loading")}>
          <div class="spinner" aria-hidden="true" />
        </Screen>
      </main>,
      root,
    );
    void connectToParent().host.then((host) => {
      setLanguage(host.options.language, langParam, navigator.language);
      const api = createApi({ token: host.token, parentOrigin: host.parentOrigin });
      const app = createAppModel({ host, api, win: browserWindow });
      render(<App app={app} />, root);
      void app.start();
    });
  }
}

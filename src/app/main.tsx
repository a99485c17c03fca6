/** Entry of the Connect app page: picks the language, shakes hands with the page, loads the session, renders. */
import { render } from "preact";
import { SEARCH_SOCKET_PATH } from "../protocol/connect-api.ts";
import { createApi } from "./api.ts";
import { App } from "./App.tsx";
import { connectToParent, isEmbedded } from "./bridge.ts";
import { chooseLanguage, loadLanguage, t } from "./i18n.ts";
import { createAppModel } from "./models/app.ts";
import { Screen } from "./components/Screen.tsx";
import type { FlowWindow } from "./models/connect-flow.ts";
import "./styles.css";

const root = document.getElementById("app");

async function setLanguage(...candidates: Array<string | null | undefined>): Promise<void> {
  const lang = chooseLanguage(...candidates);
  // Until a language's messages are here, the page stays in the one it had (English at first).
  await loadLanguage(lang).catch(() => undefined);
  document.documentElement.lang = lang;
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
const firstLanguage = setLanguage(langParam, navigator.language);

if (root) {
  if (!isEmbedded()) {
    // A full-page hosted mode (token given by the server) plugs in here as another Host.
    void firstLanguage.then(() =>
      render(
        <main class="app">
          <Screen title={t("appTitle")}>
            <p>{t("hostedUnavailable")}</p>
          </Screen>
        </main>,
        root,
      ),
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
    void connectToParent().host.then(async (host) => {
      const api = createApi({ token: host.token, parentOrigin: host.parentOrigin, searchSocketUrl: location.origin.replace("http", "ws") + SEARCH_SOCKET_PATH });
      const app = createAppModel({ host, api, win: browserWindow });
      // The session loads while the page's language arrives; the app shows once it speaks it.
      void app.start();
      await firstLanguage;
      await setLanguage(host.options.language, langParam, navigator.language);
      render(<App app={app} inline={host.options.inline === true} />, root);
    });
  }
}

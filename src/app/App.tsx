/** The Connect app: header, the current screen, Escape to close, Tab kept inside, brand colour. */
import { useEffect, useState } from "preact/hooks";
import { brandStyle } from "./brand.ts";
import { Header } from "./components/Header.tsx";
import { addMessages } from "./i18n.ts";
import { AppContext } from "./context.ts";
import type { AppModel } from "./models/app.ts";
import type { Screen } from "./models/connect-flow.ts";
import { ErrorScreen } from "./screens/Error.tsx";
import type * as LaterScreens from "./screens/later.ts";
import { LoadingScreen } from "./screens/Loading.tsx";
import { SearchScreen } from "./screens/Search.tsx";
import { wrapTab } from "./tab-wrap.ts";

type ScreenComponent = () => preact.JSX.Element;

/** Screens of the first load; the others come from the later chunk, by export name. */
const SCREENS: Record<Screen, ScreenComponent | Extract<keyof typeof LaterScreens, `${string}Screen`>> = {
  loading: LoadingScreen,
  search: SearchScreen,
  error: ErrorScreen,
  source: "SourceDetailScreen",
  credentials: "CredentialsScreen",
  mfa: "MfaScreen",
  oauth: "OAuthScreen",
  connecting: "ConnectingScreen",
  connections: "ConnectionsScreen",
  "confirm-disconnect": "ConfirmDisconnectScreen",
  done: "DoneScreen",
};

let later: typeof LaterScreens | undefined;
let laterLoading: Promise<unknown> | undefined;

/** Fetches the later screens once; a failed fetch is tried again on the next call. */
function loadLaterScreens(): Promise<unknown> {
  laterLoading ??= import("./screens/later.ts").then(
    (m) => {
      addMessages("en", m.enLater);
      later = m;
    },
    () => (laterLoading = undefined),
  );
  return laterLoading;
}

/** The screen to show: a later one shows the loading screen until its chunk is here. */
function useScreen(screen: Screen): ScreenComponent {
  const entry = SCREENS[screen];
  const [, loaded] = useState(0);
  if (typeof entry !== "string") return entry;
  if (later) return later[entry];
  // The loading screen shows until the chunk is here; a failed fetch is tried again a second later.
  void loadLaterScreens().then(() => setTimeout(() => loaded((n) => n + 1), later ? 0 : 1000));
  return LoadingScreen;
}

/** The whole app for one app model; `inline` when it fills an element of the page rather than a modal dialog. */
export function App({ app, inline = false }: { app: AppModel; inline?: boolean }) {
  const screen = app.flow.screen.value;
  const Current = useScreen(screen);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) {
        e.preventDefault();
        app.close("SUCCESS");
      }
      // Inline, Connect is one part of the page: Tab must be free to move on to the page's other controls.
      if (!inline) wrapTab(e);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [app, inline]);

  // A restored screen other than search is interactive as soon as it has focus too.
  useEffect(() => {
    if (screen !== "loading") {
      app.markReady();
      void loadLaterScreens();
    }
  }, [screen]);

  return (
    <AppContext.Provider value={app}>
      <div class="app" style={brandStyle(app.session.client.value?.primary_color)}>
        <Header />
        <main>
          <Current key={Current === LoadingScreen ? `${screen}:loading` : screen} />
        </main>
      </div>
    </AppContext.Provider>
  );
}

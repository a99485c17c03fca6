/** The Connect app: header, the current screen, Escape to close, Tab kept inside, brand colour. */
import { useEffect } from "preact/hooks";
import { brandStyle } from "./brand.ts";
import { Header } from "./components/Header.tsx";
import { AppContext } from "./context.ts";
import type { AppModel } from "./models/app.ts";
import type { Screen } from "./models/connect-flow.ts";
import { ConfirmDisconnectScreen } from "./screens/ConfirmDisconnect.tsx";
import { ConnectingScreen } from "./screens/Connecting.tsx";
import { ConnectionsScreen } from "./screens/Connections.tsx";
import { CredentialsScreen } from "./screens/Credentials.tsx";
import { DoneScreen } from "./screens/Done.tsx";
import { ErrorScreen } from "./screens/Error.tsx";
import { LoadingScreen } from "./screens/Loading.tsx";
import { MfaScreen } from "./screens/Mfa.tsx";
import { OAuthScreen } from "./screens/OAuth.tsx";
import { SearchScreen } from "./screens/Search.tsx";
import { SourceDetailScreen } from "./screens/SourceDetail.tsx";
import { wrapTab } from "./tab-wrap.ts";

const SCREENS: Record<Screen, () => preact.JSX.Element> = {
  loading: LoadingScreen,
  search: SearchScreen,
  source: SourceDetailScreen,
  credentials: CredentialsScreen,
  mfa: MfaScreen,
  oauth: OAuthScreen,
  connecting: ConnectingScreen,
  connections: ConnectionsScreen,
  "confirm-disconnect": ConfirmDisconnectScreen,
  error: ErrorScreen,
  done: DoneScreen,
};

/** The whole app for one app model. */
export function App({ app }: { app: AppModel }) {
  const screen = app.flow.screen.value;
  const Current = SCREENS[screen];

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) {
        e.preventDefault();
        app.close("SUCCESS");
      }
      wrapTab(e);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [app]);

  // A restored screen other than search is interactive as soon as it has focus too.
  useEffect(() => {
    if (screen !== "loading") app.markReady();
  }, [screen]);

  return (
    <AppContext.Provider value={app}>
      <div class="app" style={brandStyle(app.session.client.value?.primary_color)}>
        <Header />
        <main>
          <Current key={screen} />
        </main>
      </div>
    </AppContext.Provider>
  );
}

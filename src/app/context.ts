/** The app model, handed to every screen. */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { AppModel } from "./models/app.ts";

export const AppContext = createContext<AppModel | null>(null);

/** The app model of the surrounding `<App>`. */
export function useApp(): AppModel {
  const app = useContext(AppContext);
  if (!app) throw new Error("useApp() outside <App>");
  return app;
}

/** Shown while the session loads. */
import { Screen } from "../components/Screen.tsx";
import { t } from "../i18n.ts";

/** The loading screen. */
export function LoadingScreen() {
  return (
    <Screen title={t("loading")}>
      <div class="spinner" aria-hidden="true" />
    </Screen>
  );
}

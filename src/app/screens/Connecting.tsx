/** Progress while the service signs in to the source. */
import { Screen } from "../components/Screen.tsx";
import { useApp } from "../context.ts";
import { t } from "../i18n.ts";

/** The connecting screen. */
export function ConnectingScreen() {
  const { flow } = useApp();
  return (
    <Screen title={t("connectingHeading", { name: flow.sourceName() })}>
      <div class="spinner" aria-hidden="true" />
      <p role="status" aria-live="polite">
        {t("connectingBody")}
      </p>
    </Screen>
  );
}

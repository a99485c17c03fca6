/** An error with a way forward: "Try again" repeats what failed. */
import { Screen } from "../components/Screen.tsx";
import { useApp } from "../context.ts";
import { t } from "../i18n.ts";
import { errorMessage } from "./messages.ts";

/** The error screen. */
export function ErrorScreen() {
  const { flow } = useApp();
  const error = flow.error.value;
  return (
    <Screen title={t("errorHeading")}>
      <p role="alert" class="notice error">
        {errorMessage(error?.code ?? "", flow.sourceName())}
      </p>
      <div class="actions">
        <button type="button" class="primary" onClick={() => (error ? error.retry() : flow.go("search"))}>
          {t("tryAgain")}
        </button>
        <button type="button" onClick={() => flow.go("search")}>
          {t("back")}
        </button>
      </div>
    </Screen>
  );
}

/** An error with a way forward: "Try again" repeats what failed. */
import { Screen } from "../components/Screen.tsx";
import { useApp } from "../context.ts";
import { t } from "../i18n.ts";
import { errorMessage } from "./messages.ts";

/** The error screen. */
export function ErrorScreen() {
  const { flow } = useApp();
  const error = flow.error.value;
  const code = error?.code ?? "";
  // An EHR's failure names the EHR, and shows its stable code for the user's support request.
  const ehr = code.startsWith("EHR_") && flow.sourceName() !== "";
  return (
    <Screen title={ehr ? t("ehrErrorHeading", { name: flow.sourceName() }) : t("errorHeading")}>
      <p role="alert" class="notice error">
        {errorMessage(code, flow.sourceName())}
      </p>
      {ehr ? <p class="note">{t("errorCodeLabel", { code })}</p> : null}
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

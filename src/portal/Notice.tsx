import { t } from "./i18n.ts";
import type { ComponentChildren } from "preact";
import { PortalApiError } from "./api.ts";

/** What a form last reported: nothing, a success, or an error. */
export type Outcome = { kind: "idle" } | { kind: "ok"; text: string } | { kind: "error"; text: string };

/** Turns a thrown error into the message shown next to the form. */
export function errorOutcome(err: unknown): Outcome {
  if (err instanceof PortalApiError) return { kind: "error", text: err.message };
  return { kind: "error", text: t.somethingWrong };
}

/** A live region announcing a form's outcome to screen readers as well. */
export function Notice(props: { outcome: Outcome; children?: ComponentChildren }) {
  const { outcome } = props;
  return (
    <div class="notice-slot" aria-live="polite">
      {outcome.kind === "ok" && <p class="notice ok">{outcome.text}</p>}
      {outcome.kind === "error" && (
        <p class="notice error" role="alert">
          {outcome.text}
        </p>
      )}
      {props.children}
    </div>
  );
}

/** A date-time for tables, or a dash. */
export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}

/**
 * The first screen's sources, before any typing: those the page pinned (`pinnedSources`), in its order, then the
 * catalog's popular ones. Loaded once per Connect; ids that name no source are left out with one console warning.
 */
import { batch, signal } from "@preact/signals";
import type { SourceSummary } from "../../protocol/connect-api.ts";
import type { ConnectApi } from "../api.ts";

/** Creates the suggestions model. */
export function createSuggestionsModel(deps: { api: ConnectApi; pinned: readonly string[]; warn?: (message: string) => void }) {
  const pinned = signal<SourceSummary[]>([]);
  const popular = signal<SourceSummary[]>([]);
  const loaded = signal(false);
  let loading: Promise<void> | null = null;

  /** Asks the service once; a failure leaves the first screen with its search box and connections, and can be retried. */
  function load(): Promise<void> {
    loading ??= deps.api.suggestedSources(deps.pinned).then(
      (res) => {
        const found = new Set(res.pinned.map((s) => s.id));
        const unknown = [...new Set(deps.pinned.filter((id) => !found.has(id)))];
        if (unknown.length > 0) {
          (deps.warn ?? console.warn)(
            `Human Connect: pinnedSources left out ${unknown.map((id) => JSON.stringify(id)).join(", ")}, which name no source.`,
          );
        }
        batch(() => {
          pinned.value = res.pinned;
          popular.value = res.popular;
          loaded.value = true;
        });
      },
      () => {
        loading = null;
        loaded.value = true;
      },
    );
    return loading;
  }

  return { pinned, popular, loaded, load };
}

/** The suggestions model's shape. */
export type SuggestionsModel = ReturnType<typeof createSuggestionsModel>;

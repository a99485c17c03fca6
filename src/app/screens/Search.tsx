/** Search as you type: a search box driving a listbox of sources (aria-activedescendant), a type filter, an empty state. */
import { useSignal, useSignalEffect } from "@preact/signals";
import { SOURCE_TYPES } from "../../protocol/connect-api.ts";
import { Screen } from "../components/Screen.tsx";
import { useApp } from "../context.ts";
import { language, t } from "../i18n.ts";
import { toSourceType } from "../models/search.ts";
import { errorMessage, typeLabel } from "./messages.ts";

const optionId = (id: string) => `hc-opt-${id}`;

/** The search screen. */
export function SearchScreen() {
  const app = useApp();
  const { search, flow } = app;
  const active = useSignal(-1);
  const results = search.results.value;
  const status = search.status.value;
  const connectedIds = new Set(app.session.connections.value.map((c) => c.id));

  // A new result list starts without an active option.
  useSignalEffect(() => {
    void search.results.value;
    active.value = -1;
  });

  const activeSource = active.value >= 0 ? results[active.value] : undefined;
  useSignalEffect(() => {
    const i = active.value;
    const s = search.results.peek()[i];
    if (s) document.getElementById(optionId(s.id))?.scrollIntoView?.({ block: "nearest" });
  });

  function onKeyDown(e: KeyboardEvent) {
    const count = search.results.peek().length;
    if (e.key === "ArrowDown" && count > 0) {
      e.preventDefault();
      active.value = Math.min(active.value + 1, count - 1);
    } else if (e.key === "ArrowUp" && count > 0) {
      e.preventDefault();
      active.value = Math.max(active.value - 1, 0);
    } else if (e.key === "Enter") {
      const s = search.results.peek()[active.value];
      if (s) {
        e.preventDefault();
        void flow.openSource(s.id);
      }
    }
  }

  const statusText =
    status === "loading" ? t("searching") : status === "loaded" && results.length > 0 ? (search.total.value === 1 ? t("resultCountOne") : t("resultCount", { count: search.total.value.toLocaleString(language.value) })) : "";

  return (
    <Screen title={t("searchHeading")} onFocused={app.markReady}>
      <div class="field">
        <label for="hc-search">{t("searchLabel")}</label>
        <input
          id="hc-search"
          type="search"
          data-autofocus
          autocomplete="off"
          spellcheck={false}
          value={search.query.value}
          onInput={(e) => search.setQuery(e.currentTarget.value)}
          onKeyDown={onKeyDown}
          aria-controls={results.length > 0 ? "hc-results" : undefined}
          aria-activedescendant={activeSource ? optionId(activeSource.id) : undefined}
          aria-describedby="hc-search-status"
        />
      </div>
      <div class="field">
        <label for="hc-type">{t("typeLabel")}</label>
        <select id="hc-type" value={search.type.value ?? ""} onChange={(e) => search.setType(toSourceType(e.currentTarget.value))}>
          <option value="">{t("typeAll")}</option>
          {SOURCE_TYPES.map((ty) => (
            <option key={ty} value={ty}>
              {typeLabel(ty)}
            </option>
          ))}
        </select>
      </div>
      <p id="hc-search-status" class="muted" role="status">
        {statusText}
      </p>
      {search.error.value && status === "error" ? (
        <div role="alert" class="notice">
          <p>{errorMessage(search.error.value.errorCode, "")}</p>
          <button type="button" onClick={() => void search.retry()}>
            {t("tryAgain")}
          </button>
        </div>
      ) : null}
      {results.length > 0 ? (
        <ul id="hc-results" role="listbox" aria-label={t("resultsLabel")} class="results">
          {results.map((s, i) => (
            <li
              key={s.id}
              id={optionId(s.id)}
              role="option"
              aria-selected={i === active.value}
              aria-describedby={`${optionId(s.id)}-meta`}
              class={i === active.value ? "option active" : "option"}
              onClick={() => void flow.openSource(s.id)}
            >
              <span class="name">{s.name}</span>
              {/* Hidden from the name so the option is named by the source alone; still read as its description. */}
              <span id={`${optionId(s.id)}-meta`} class="meta" aria-hidden="true">
                {typeLabel(s.type)} · {s.city}, {s.state}
                {connectedIds.has(s.id) ? ` · ${t("connected")}` : ""}
              </span>
            </li>
          ))}
        </ul>
      ) : status === "loaded" ? (
        <div class="empty">
          <p>{t("noResults")}</p>
          <p class="muted">{t("noResultsHint")}</p>
        </div>
      ) : null}
      {search.hasMore() ? (
        <button type="button" onClick={() => void search.loadMore()}>
          {t("loadMore")}
        </button>
      ) : null}
      <button type="button" class="link" onClick={() => flow.go("connections")}>
        {t("yourConnections")}
      </button>
    </Screen>
  );
}

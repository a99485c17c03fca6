/**
 * The first screen and search as you type. Before any typing: the page's pinned sources, the user's connections,
 * popular sources and a hint. Typing shows a listbox of results (aria-activedescendant), with a type filter and an
 * empty state; the count is announced once typing pauses.
 */
import { useSignal, useSignalEffect } from "@preact/signals";
import { SOURCE_TYPES, type SourceSummary } from "../../protocol/connect-api.ts";
import { Screen } from "../components/Screen.tsx";
import { SourceMark } from "../components/SourceMark.tsx";
import { useApp } from "../context.ts";
import { language, t } from "../i18n.ts";
import { toSourceType } from "../models/search.ts";
import { errorMessage, typeLabel } from "./messages.ts";

const optionId = (id: string) => `hc-opt-${id}`;

/** One source as a button: its mark, its name (the button's name), and where it is, read as its description. */
function SourceButton({ list, source, note }: { list: string; source: Pick<SourceSummary, "id" | "name"> & Partial<SourceSummary>; note?: string }) {
  const { flow } = useApp();
  const metaId = `hc-${list}-${source.id}`;
  const where = source.type ? `${typeLabel(source.type)} · ${source.city}, ${source.state}` : "";
  const meta = [where, note].filter(Boolean).join(" · ");
  return (
    <li>
      <button type="button" class="source" aria-describedby={meta ? metaId : undefined} onClick={() => void flow.openSource(source.id)}>
        <SourceMark name={source.name} logoUrl={source.logo_url} />
        <span>
          <span class="name">{source.name}</span>
          {meta ? (
            <span id={metaId} class="meta" aria-hidden="true">
              {meta}
            </span>
          ) : null}
        </span>
      </button>
    </li>
  );
}

/** A titled list of sources on the first screen. */
function SourceSection({ list, title, children }: { list: string; title: string; children: preact.ComponentChildren }) {
  return (
    <section class="suggestions">
      <h2 id={`hc-${list}-title`}>{title}</h2>
      <ul class="sources" aria-labelledby={`hc-${list}-title`}>
        {children}
      </ul>
    </section>
  );
}

/** What shows before any typing. */
function FirstScreen() {
  const app = useApp();
  const { suggestions, session } = app;
  const connections = session.connections.value;
  const connectedIds = new Set(connections.map((c) => c.id));
  const broken = session.needsReauth.value;
  const pinned = suggestions.pinned.value;
  const popular = suggestions.popular.value.filter((s) => !connectedIds.has(s.id));
  const noteFor = (id: string) => (broken.has(id) ? t("needsReauth") : connectedIds.has(id) ? t("connected") : undefined);
  return (
    <div id="hc-suggestions" aria-busy={suggestions.loaded.value ? undefined : "true"}>
      {pinned.length > 0 ? (
        <SourceSection list="pinned" title={t("pinnedHeading")}>
          {pinned.map((s) => (
            <SourceButton key={s.id} list="pinned" source={s} note={noteFor(s.id)} />
          ))}
        </SourceSection>
      ) : null}
      {connections.length > 0 ? (
        <SourceSection list="mine" title={t("yourConnections")}>
          {connections.map((c) => (
            <SourceButton key={c.id} list="mine" source={c} note={noteFor(c.id)} />
          ))}
        </SourceSection>
      ) : null}
      {popular.length > 0 ? (
        <SourceSection list="popular" title={t("popularHeading")}>
          {popular.map((s) => (
            <SourceButton key={s.id} list="popular" source={s} />
          ))}
        </SourceSection>
      ) : null}
    </div>
  );
}

/** The search screen. */
export function SearchScreen() {
  const app = useApp();
  const { search, flow } = app;
  // The active option is kept by id, so an answer that still holds it (the final one after a provisional one) keeps it.
  const activeId = useSignal<string | null>(null);
  const results = search.results.value;
  const status = search.status.value;
  const blank = status === "idle";
  const connectedIds = new Set(app.session.connections.value.map((c) => c.id));
  const activeSource = results.find((s) => s.id === activeId.value);

  useSignalEffect(() => {
    const id = activeId.value;
    if (id) document.getElementById(optionId(id))?.scrollIntoView?.({ block: "nearest" });
  });

  function onKeyDown(e: KeyboardEvent) {
    const list = search.results.peek();
    if (list.length === 0 || search.status.peek() === "idle") return;
    const at = list.findIndex((s) => s.id === activeId.peek());
    if (e.key === "ArrowDown") {
      e.preventDefault();
      activeId.value = list[Math.min(at + 1, list.length - 1)]!.id;
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      activeId.value = list[Math.max(at - 1, 0)]!.id;
    } else if (e.key === "Enter" && at >= 0) {
      e.preventDefault();
      void flow.openSource(list[at]!.id);
    }
  }

  const count = search.announced.value;
  const statusText = count === null || count === 0 ? "" : count === 1 ? t("resultCountOne") : t("resultCount", { count: count.toLocaleString(language.value) });
  const showList = !blank && results.length > 0;

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
          onInput={(e) => {
            activeId.value = null;
            search.setQuery(e.currentTarget.value);
          }}
          onKeyDown={onKeyDown}
          aria-controls={showList ? "hc-results" : undefined}
          aria-activedescendant={showList && activeSource ? optionId(activeSource.id) : undefined}
          aria-describedby={blank ? "hc-search-hint hc-search-status" : "hc-search-status"}
        />
      </div>
      {blank ? (
        <p id="hc-search-hint" class="muted">
          {t("searchHint")}
        </p>
      ) : null}
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
      <p id="hc-search-status" class="sr-only" role="status">
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
      {blank ? (
        <FirstScreen />
      ) : (
        // Busy while the answer for what is typed is on the way; the list meanwhile shows the best answer at hand.
        <div class="search-results" aria-busy={status === "loading" ? "true" : undefined}>
          {showList ? (
            <ul id="hc-results" role="listbox" aria-label={t("resultsLabel")} class="results">
              {results.map((s) => (
                <li
                  key={s.id}
                  id={optionId(s.id)}
                  role="option"
                  aria-selected={s.id === activeId.value}
                  aria-describedby={`${optionId(s.id)}-meta`}
                  class={s.id === activeId.value ? "option active" : "option"}
                  onClick={() => void flow.openSource(s.id)}
                >
                  <SourceMark name={s.name} logoUrl={s.logo_url} />
                  <span>
                    <span class="name">{s.name}</span>
                    {/* Hidden from the name so the option is named by the source alone; still read as its description. */}
                    <span id={`${optionId(s.id)}-meta`} class="meta" aria-hidden="true">
                      {typeLabel(s.type)} · {s.city}, {s.state}
                      {connectedIds.has(s.id) ? ` · ${t("connected")}` : ""}
                    </span>
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
          {status === "loaded" && search.hasMore() ? (
            <button type="button" onClick={() => void search.loadMore()}>
              {t("loadMore")}
            </button>
          ) : null}
        </div>
      )}
      <button type="button" class="link" onClick={() => flow.go("connections")}>
        {t("yourConnections")}
      </button>
    </Screen>
  );
}

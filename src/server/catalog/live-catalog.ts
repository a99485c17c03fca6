// The in-memory search index of one instance, kept in step with the catalog in the database: any instance (or the
// CLI on another machine) may import sources, and every instance polls the catalog version to rebuild its index.
import { APP_SEARCH_PAGE_SIZE } from "../../protocol/connect-api.ts";
import type { Store } from "../store/types.ts";
import { SourceSearchIndex } from "./search-index.ts";
import type { SourceRecord } from "./types.ts";

/** Default pause between catalog version checks. */
export const CATALOG_POLL_MS = 2000;

/** The index with the Connect app's first keystrokes already answered. */
function warmed(index: SourceSearchIndex): SourceSearchIndex {
  index.warm(APP_SEARCH_PAGE_SIZE);
  return index;
}

/** A search index that follows the catalog's version. */
export class LiveCatalog {
  private current: SourceSearchIndex;
  private version: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private refreshing: Promise<boolean> | undefined;

  private constructor(
    private readonly store: Store,
    index: SourceSearchIndex,
    version: number,
  ) {
    this.current = index;
    this.version = version;
  }

  /** Builds the index from the stored catalog, or from `sources` when the caller just stored exactly those. */
  static async load(store: Store, sources?: readonly SourceRecord[]): Promise<LiveCatalog> {
    const version = await store.sources.version();
    return new LiveCatalog(store, warmed(new SourceSearchIndex(sources ?? (await store.sources.list()))), version);
  }

  /** The index to search now. */
  get index(): SourceSearchIndex {
    return this.current;
  }

  /** Rebuilds the index when the stored catalog version moved; true when it did. */
  refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        const version = await this.store.sources.version();
        if (version === this.version) return false;
        const sources = await this.store.sources.list();
        this.current = warmed(new SourceSearchIndex(sources));
        this.version = version;
        return true;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Checks the version every `intervalMs`; `onError` hears of failed checks (the old index stays in use). */
  watch(intervalMs: number, onError: (err: unknown) => void, onReload: () => void): void {
    this.timer ??= setInterval(() => {
      this.refresh().then((reloaded) => reloaded && onReload(), onError);
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops watching. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

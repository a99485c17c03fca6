import type { SourceType } from "../../protocol/connect-api.ts";
import { SOURCE_TYPES } from "../../protocol/connect-api.ts";
import { tokenize } from "./normalize.ts";
import type { SourceRecord } from "./types.ts";
import { bitCount, boundedDistance, letterMask, MAX_COMPARED_CHARS } from "./edit-distance.ts";
import { TopK } from "./top-k.ts";
import { US_STATE_NAMES } from "./us-places.ts";

/** A search over the catalog: free text, an optional type filter, and a 1-based page. */
export interface SourceSearchQuery {
  query: string;
  type?: SourceType | null;
  page: number;
  perPage: number;
}

/** One page of ranked sources and how many sources match in all. */
export interface SourceSearchPage {
  total: number;
  results: SourceRecord[];
}

/** Words that find a source by its type even when its name does not say it ("pharmacy boston"). */
const TYPE_WORDS: Record<SourceType, string> = {
  hospital: "hospital",
  clinic: "clinic",
  lab: "lab laboratory",
  pharmacy: "pharmacy",
  insurer: "insurer insurance",
  wearable: "wearable device app",
};

/** Abbreviations in names and places, indexed under both spellings so "saint louis" finds "St. Louis". */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  st: "saint",
  saint: "st",
  mt: "mount",
  mount: "mt",
  ft: "fort",
  fort: "ft",
};

/** Joining words people type between the words that matter ("clinic in boston"); ignored unless still being typed. */
const STOP_WORDS = new Set(["a", "an", "and", "at", "for", "in", "near", "of", "the"]);

const MAX_QUERY_TOKENS = 12;
const MAX_QUERY_CHARS = 256;
/** Answered pages kept for repeated queries (a page holds at most 50 records, by reference). */
const PAGE_CACHE_SIZE = 2000;
const MAX_TERM_CHARS = MAX_COMPARED_CHARS;

// Match qualities of one query token against one term, best first. A name match always outranks a location match.
const EXACT = 4;
const PREFIX = 3;
const TYPO_1 = 2;
const TYPO_2 = 1;
const NAME_FIELD = 8;

// Ranking keys are packed into one float: relevance in the high bits, the source's rank by name in the low ones.
const RANK_SPACE = 2 ** 30;
const FUZZY_CACHE_LIMIT = 4096;
// Scanning one candidate's own terms costs about as much as this many postings.
const FORWARD_SCAN_COST = 10;

/**
 * An in-memory search index over catalog sources: an inverted index from normalised terms to sources,
 * split by field (name, or location and type), over a sorted vocabulary for prefix ranges and a
 * length-bucketed one for typo-tolerant matching (optimal string alignment distance).
 */
export class SourceSearchIndex {
  // Sources live in slots; a removed source leaves an empty slot until the index compacts itself.
  #records: (SourceRecord | undefined)[] = [];
  #slotById = new Map<string, number>();
  #normalizedNames: string[] = [];
  // Per-slot columns, grown together in #ensureSlotCapacity. A type code of -1 marks a removed source.
  #typeCodes = new Int8Array(0);
  #nameTokenCounts = new Uint8Array(0);
  #firstNameTerms = new Int32Array(0);
  // Forward index: each slot's terms as (termId << 1 | 1 for location), at forwardStart..forwardEnd.
  #forwardStart = new Int32Array(0);
  #forwardEnd = new Int32Array(0);
  #forwardTerms = new Int32Array(1024);
  #forwardLength = 0;
  #liveCount = 0;

  #termIds = new Map<string, number>();
  #terms: string[] = [];
  #termMasks: number[] = [];
  #namePostings: number[][] = [];
  #placePostings: number[][] = [];
  #sortedTerms: string[] = [];
  #sortedTermIds: number[] = [];
  #termsByLength: number[][] = [];

  #nameRanks = new Int32Array(0);
  #orderByName: number[] = [];
  #orderByNameForType = new Map<number, number[]>();
  // Full rankings of one- and two-character queries, the largest result sets, which every visitor types first.
  #shortPrefixRankings = new Map<string, Int32Array>();
  // Slots of ranked sources in popularity order, computed on first use after each change of the by-name order.
  #popularOrder: number[] | undefined;

  #tokenMatches = new Map<string, Int32Array>();
  // Pages already answered, least recently used first: instant search sends every prefix as it is typed, and many
  // users type the same first letters. Any change to the index clears it.
  #pages = new Map<string, SourceSearchPage>();
  #termSeen = new Int32Array(0);
  #termSeenStamp = 0;
  // Terms the first query word matches exactly or as a prefix, marked with the current search's stamp.
  #leadingTerms = new Int32Array(0);
  // Match quality of each term for the query word being processed, valid where the stamp is current.
  #wordQuality = new Uint8Array(0);
  #wordQualityStamp = new Int32Array(0);

  // Per-slot scratch space reused across searches; `#visited` holds a stamp so nothing needs clearing.
  #visited = new Int32Array(0);
  #bestCode = new Uint8Array(0);
  #nameHits = new Uint8Array(0);
  #typos = new Uint8Array(0);
  #exactWords = new Uint8Array(0);
  #matchedSlots = new Int32Array(0);
  #nextSlots = new Int32Array(0);
  #searchStamp = 0;

  /** Builds the index over the given sources; a later source with the same id replaces an earlier one. */
  constructor(sources: Iterable<SourceRecord>) {
    const placeTokens = new Map<string, string[]>();
    for (const source of sources) {
      const existing = this.#slotById.get(source.id);
      if (existing !== undefined) this.#vacate(existing);
      this.#insert(source, placeTokens);
    }
    const order = this.#terms.map((_, id) => id).sort((a, b) => compareStrings(this.#terms[a]!, this.#terms[b]!));
    this.#sortedTermIds = order;
    this.#sortedTerms = order.map((id) => this.#terms[id]!);
    this.#refreshOrder();
  }

  /** How many sources the index holds. */
  get size(): number {
    return this.#liveCount;
  }

  /** The source with this id, if any. */
  get(id: string): SourceRecord | undefined {
    const slot = this.#slotById.get(id);
    return slot === undefined ? undefined : this.#records[slot];
  }

  /** Ranked sources, most popular first (rank 0), ties by name; `skip` leaves out sources by id. */
  popular(limit: number, skip: ReadonlySet<string> = new Set()): SourceRecord[] {
    this.#popularOrder ??= this.#orderByName
      .filter((slot) => this.#records[slot]?.rank !== undefined)
      .sort((a, b) => this.#records[a]!.rank! - this.#records[b]!.rank! || this.#nameRanks[a]! - this.#nameRanks[b]!);
    const out: SourceRecord[] = [];
    for (const slot of this.#popularOrder) {
      if (out.length >= limit) break;
      const source = this.#records[slot];
      if (source && !skip.has(source.id)) out.push(source);
    }
    return out;
  }

  /**
   * Answers the first keystroke of every search ahead of time: each letter and digit alone, as the Connect app asks
   * it. A one-character query is the widest there is (a third of the catalog can start with "c"), the slowest to
   * answer, and the one every user types first; after this it is a page already known.
   */
  warm(perPage: number): void {
    for (const ch of "abcdefghijklmnopqrstuvwxyz0123456789") this.search({ query: ch, type: null, page: 1, perPage });
  }

  /** How many answered pages the index keeps for repeated queries. */
  get knownPages(): number {
    return this.#pages.size;
  }

  /** Forgets memoised word matches and pages, so that a timing measures the whole work of each new word. */
  clearMatchCache(): void {
    this.#tokenMatches.clear();
    this.#pages.clear();
  }

  /** Adds a source, or replaces the source with the same id. */
  add(source: SourceRecord): void {
    const existing = this.#slotById.get(source.id);
    if (existing !== undefined) this.#vacate(existing);
    const vocabularyBefore = this.#terms.length;
    this.#insert(source, undefined);
    for (let id = vocabularyBefore; id < this.#terms.length; id++) {
      const term = this.#terms[id]!;
      const at = lowerBound(this.#sortedTerms, term);
      this.#sortedTerms.splice(at, 0, term);
      this.#sortedTermIds.splice(at, 0, id);
    }
    if (this.#terms.length !== vocabularyBefore) this.#tokenMatches.clear();
    this.#pages.clear();
    this.#placeInOrder(this.#records.length - 1);
  }

  /** Removes the source with this id; unknown ids are ignored. */
  remove(id: string): void {
    const slot = this.#slotById.get(id);
    if (slot === undefined) return;
    this.#pages.clear();
    this.#vacate(slot);
    if (this.#records.length > 1024 && this.#liveCount < this.#records.length / 2) this.#compact();
  }

  /**
   * Ranked search. Every query word must match the source's name or location (city, state code or name) or type,
   * exactly, as a prefix, or with a typo. Order: exact name, then more words found in the name, then fewer typos,
   * then names that start with the query, more whole-word matches, shorter names, and finally the name itself.
   * An empty query lists sources by name.
   */
  search(q: SourceSearchQuery): SourceSearchPage {
    const perPage = Math.max(1, Math.floor(q.perPage) || 1);
    const page = Math.max(1, Math.floor(q.page) || 1);
    const typeCode = q.type ? SOURCE_TYPES.indexOf(q.type) : -1;
    const text = q.query.length > MAX_QUERY_CHARS ? q.query.slice(0, MAX_QUERY_CHARS) : q.query;
    const tokens = tokenize(text)
      .filter((token, i, all) => i === all.length - 1 || !STOP_WORDS.has(token))
      .slice(0, MAX_QUERY_TOKENS);
    const key = `${typeCode} ${page} ${perPage} ${tokens.join(" ")}`;
    const known = this.#pages.get(key);
    if (known) {
      this.#pages.delete(key);
      this.#pages.set(key, known);
      return known;
    }
    const found = this.#searchUncached(tokens, typeCode, page, perPage);
    if (this.#pages.size >= PAGE_CACHE_SIZE) this.#pages.delete(this.#pages.keys().next().value!);
    this.#pages.set(key, found);
    return found;
  }

  #searchUncached(tokens: string[], typeCode: number, page: number, perPage: number): SourceSearchPage {
    if (tokens.length === 0) return this.#listByName(typeCode, page, perPage);
    if (tokens.length === 1 && tokens[0]!.length <= 2) return this.#searchShortPrefix(tokens[0]!, typeCode, page, perPage);

    const matchedCount = this.#matchAllTokens(tokens);
    if (matchedCount === 0) return { total: 0, results: [] };

    const normalizedQuery = tokens.join(" ");
    const singleWord = tokens.length === 1;
    const stamp = this.#searchStamp;
    const skip = (page - 1) * perPage;
    const wanted = skip + perPage;
    const top = new TopK(wanted);
    const matched = this.#matchedSlots;
    const typeCodes = this.#typeCodes;
    let total = 0;
    for (let i = 0; i < matchedCount; i++) {
      const slot = matched[i]!;
      const slotType = typeCodes[slot]!;
      if (slotType < 0 || (typeCode >= 0 && slotType !== typeCode)) continue;
      total++;
      top.offer(slot, this.#rankKey(slot, normalizedQuery, singleWord, stamp));
    }
    const results = top
      .sortedSlots()
      .slice(skip)
      .map((slot) => this.#records[slot]!);
    return { total, results };
  }

  #searchShortPrefix(prefix: string, typeCode: number, page: number, perPage: number): SourceSearchPage {
    let ranking = this.#shortPrefixRankings.get(prefix);
    if (!ranking) {
      ranking = this.#rankEverything([prefix]);
      this.#shortPrefixRankings.set(prefix, ranking);
    }
    if (typeCode < 0) {
      const skip = (page - 1) * perPage;
      return {
        total: ranking.length,
        results: Array.from(ranking.subarray(skip, skip + perPage), (slot) => this.#records[slot]!),
      };
    }
    const skip = (page - 1) * perPage;
    const results: SourceRecord[] = [];
    let total = 0;
    for (let i = 0; i < ranking.length; i++) {
      const slot = ranking[i]!;
      if (this.#typeCodes[slot] !== typeCode) continue;
      if (total >= skip && results.length < perPage) results.push(this.#records[slot]!);
      total++;
    }
    return { total, results };
  }

  /** Every live source matching the tokens, best first. */
  #rankEverything(tokens: string[]): Int32Array {
    const matchedCount = this.#matchAllTokens(tokens);
    const normalizedQuery = tokens.join(" ");
    const stamp = this.#searchStamp;
    const keys: number[] = [];
    for (let i = 0; i < matchedCount; i++) {
      const slot = this.#matchedSlots[i]!;
      if (this.#typeCodes[slot]! >= 0) keys.push(this.#rankKey(slot, normalizedQuery, tokens.length === 1, stamp));
    }
    // Keys are unique and end in the name rank, so a native numeric sort is enough to recover the slots.
    const sorted = Float64Array.from(keys).sort();
    const ranking = new Int32Array(sorted.length);
    for (let i = 0, last = sorted.length - 1; i <= last; i++) {
      ranking[i] = this.#orderByName[RANK_SPACE - 1 - (sorted[last - i]! % RANK_SPACE)]!;
    }
    return ranking;
  }

  /**
   * Finds the slots (live or removed) that match every token, leaves them at the start of `#matchedSlots` with
   * their match statistics filled in, and answers how many there are.
   */
  #matchAllTokens(tokens: string[]): number {
    if (this.#searchStamp > 2 ** 30) {
      this.#visited.fill(0);
      this.#leadingTerms.fill(0);
      this.#wordQualityStamp.fill(0);
      this.#searchStamp = 0;
    }
    const base = this.#searchStamp + 1;
    this.#searchStamp += tokens.length + 1;
    const best = this.#bestCode;

    let matchedCount = 0;
    for (let t = 0; t < tokens.length; t++) {
      const termMatches = this.#matchToken(tokens[t]!, t === tokens.length - 1);
      if (termMatches.length === 0) return 0;
      if (t === 0) {
        if (this.#leadingTerms.length < this.#terms.length) this.#leadingTerms = new Int32Array(this.#terms.length * 2);
        for (let m = 0; m < termMatches.length; m += 2) {
          if (termMatches[m + 1]! >= PREFIX) this.#leadingTerms[termMatches[m]!] = this.#searchStamp;
        }
      }
      const done = base + t + 1;
      const nextCount =
        t > 0 && this.#postingsVolume(termMatches) > matchedCount * FORWARD_SCAN_COST
          ? // Few candidates left and a common word: look for the word's terms among each candidate's own terms.
            this.#filterByForwardIndex(termMatches, matchedCount, done)
          : this.#collectFromPostings(termMatches, t === 0 ? -1 : base + t, done);
      const next = this.#nextSlots;
      for (let i = 0; i < nextCount; i++) {
        const slot = next[i]!;
        const code = best[slot]!;
        const inName = code >= NAME_FIELD ? 1 : 0;
        const quality = code - inName * NAME_FIELD;
        const typos = quality === TYPO_1 ? 1 : quality === TYPO_2 ? 2 : 0;
        const exact = quality === EXACT ? 1 : 0;
        const first = t === 0;
        this.#nameHits[slot] = (first ? 0 : this.#nameHits[slot]!) + inName;
        this.#typos[slot] = (first ? 0 : this.#typos[slot]!) + typos;
        this.#exactWords[slot] = (first ? 0 : this.#exactWords[slot]!) + exact;
      }
      this.#nextSlots = this.#matchedSlots;
      this.#matchedSlots = next;
      matchedCount = nextCount;
      if (matchedCount === 0) return 0;
    }
    return matchedCount;
  }

  #postingsVolume(termMatches: Int32Array): number {
    let volume = 0;
    for (let m = 0; m < termMatches.length; m += 2) {
      const termId = termMatches[m]!;
      volume += this.#namePostings[termId]!.length + this.#placePostings[termId]!.length;
    }
    return volume;
  }

  /**
   * Walks the postings of the terms and collects into `#nextSlots` the slots stamped `eligible` (any slot not yet
   * seen by this search when `eligible` is -1), stamping them `done` and recording their best match.
   */
  #collectFromPostings(termMatches: Int32Array, eligible: number, done: number): number {
    const visited = this.#visited;
    const best = this.#bestCode;
    const next = this.#nextSlots;
    // Stamps of earlier searches are all below this search's first stamp.
    const firstStamp = done - 1;
    let nextCount = 0;
    for (let m = 0; m < termMatches.length; m += 2) {
      const termId = termMatches[m]!;
      const quality = termMatches[m + 1]!;
      for (let field = 0; field < 2; field++) {
        const postings = field === 0 ? this.#namePostings[termId]! : this.#placePostings[termId]!;
        const code = field === 0 ? NAME_FIELD + quality : quality;
        for (let p = 0; p < postings.length; p++) {
          const slot = postings[p]!;
          const stamp = visited[slot]!;
          if (stamp === done) {
            if (code > best[slot]!) best[slot] = code;
          } else if (eligible < 0 ? stamp < firstStamp : stamp === eligible) {
            visited[slot] = done;
            best[slot] = code;
            next[nextCount++] = slot;
          }
        }
      }
    }
    return nextCount;
  }

  /** Keeps the matched slots that hold one of the terms, recording the best match; answers how many remain. */
  #filterByForwardIndex(termMatches: Int32Array, matchedCount: number, done: number): number {
    if (this.#wordQuality.length < this.#terms.length) {
      this.#wordQuality = new Uint8Array(this.#terms.length * 2);
      this.#wordQualityStamp = new Int32Array(this.#terms.length * 2);
    }
    const quality = this.#wordQuality;
    const qualityStamp = this.#wordQualityStamp;
    for (let m = 0; m < termMatches.length; m += 2) {
      quality[termMatches[m]!] = termMatches[m + 1]!;
      qualityStamp[termMatches[m]!] = done;
    }
    const matched = this.#matchedSlots;
    const next = this.#nextSlots;
    const forward = this.#forwardTerms;
    let nextCount = 0;
    for (let i = 0; i < matchedCount; i++) {
      const slot = matched[i]!;
      let best = 0;
      for (let k = this.#forwardStart[slot]!, end = this.#forwardEnd[slot]!; k < end; k++) {
        const entry = forward[k]!;
        const termId = entry >> 1;
        if (qualityStamp[termId] !== done) continue;
        const code = (entry & 1) === 0 ? NAME_FIELD + quality[termId]! : quality[termId]!;
        if (code > best) best = code;
      }
      if (best > 0) {
        this.#visited[slot] = done;
        this.#bestCode[slot] = best;
        next[nextCount++] = slot;
      }
    }
    return nextCount;
  }

  #rankKey(slot: number, normalizedQuery: string, singleWord: boolean, stamp: number): number {
    // Comparing strings for every candidate of a one-letter query costs more than the rest of the search, so
    // only names whose first word matches the query's first word are compared.
    let exactName = 0;
    let startsWith = 0;
    if (this.#leadingTerms[this.#firstNameTerms[slot]!] === stamp) {
      const name = this.#normalizedNames[slot]!;
      exactName = name === normalizedQuery ? 1 : 0;
      startsWith = singleWord || exactName === 1 || name.startsWith(normalizedQuery) ? 1 : 0;
    }
    let relevance = exactName;
    relevance = relevance * 16 + Math.min(15, this.#nameHits[slot]!);
    relevance = relevance * 32 + (31 - Math.min(31, this.#typos[slot]!));
    relevance = relevance * 2 + startsWith;
    relevance = relevance * 16 + Math.min(15, this.#exactWords[slot]!);
    relevance = relevance * 16 + (15 - Math.min(15, this.#nameTokenCounts[slot]!));
    return relevance * RANK_SPACE + (RANK_SPACE - 1 - this.#nameRanks[slot]!);
  }

  /**
   * Vocabulary terms a query token matches, as flat [termId, quality] pairs: the term itself, terms it is a
   * prefix of, and terms within 1 typo (tokens of 4+ characters) or 2 typos (8+). The last token of a query is
   * still being typed, so from 5 characters on it may also be a prefix with a typo ("clevel" -> "cleveland").
   */
  #matchToken(token: string, isLast: boolean): Int32Array {
    const cacheKey = isLast ? `${token}\u0001` : token;
    const cached = this.#tokenMatches.get(cacheKey);
    if (cached) return cached;

    const out: number[] = [];
    const seen = this.#nextTermStamp();
    const mark = (termId: number, quality: number) => {
      this.#termSeen[termId] = seen;
      out.push(termId, quality);
    };

    const exactId = this.#termIds.get(token);
    if (exactId !== undefined) mark(exactId, EXACT);
    const sorted = this.#sortedTerms;
    for (let i = lowerBound(sorted, token); i < sorted.length && sorted[i]!.startsWith(token); i++) {
      const termId = this.#sortedTermIds[i]!;
      if (termId !== exactId) mark(termId, PREFIX);
    }

    const maxTypos = token.length >= 8 ? 2 : token.length >= 4 ? 1 : 0;
    if (maxTypos > 0 && token.length <= MAX_TERM_CHARS) {
      const tokenMask = letterMask(token);
      for (let length = token.length - maxTypos; length <= token.length + maxTypos; length++) {
        for (const termId of this.#termsByLength[length] ?? []) {
          if (this.#termSeen[termId] === seen) continue;
          if (bitCount(tokenMask & ~this.#termMasks[termId]!) > maxTypos) continue;
          const distance = boundedDistance(token, this.#terms[termId]!, maxTypos, false);
          if (distance <= maxTypos) mark(termId, distance === 1 ? TYPO_1 : TYPO_2);
        }
      }
      if (isLast && token.length >= 5) {
        // A typo inside a word still being typed: compare with term prefixes; users rarely miss the first letter.
        const first = token[0]!;
        for (let i = lowerBound(sorted, first); i < sorted.length && sorted[i]!.startsWith(first); i++) {
          const termId = this.#sortedTermIds[i]!;
          if (this.#termSeen[termId] === seen || sorted[i]!.length < token.length) continue;
          const distance = boundedDistance(token, sorted[i]!, maxTypos, true);
          if (distance <= maxTypos) mark(termId, distance === 1 ? TYPO_1 : TYPO_2);
        }
      }
    }

    const result = Int32Array.from(out);
    if (this.#tokenMatches.size >= FUZZY_CACHE_LIMIT) this.#tokenMatches.clear();
    this.#tokenMatches.set(cacheKey, result);
    return result;
  }

  #nextTermStamp(): number {
    if (this.#termSeen.length < this.#terms.length) {
      const grown = new Int32Array(Math.max(1024, this.#terms.length * 2));
      grown.set(this.#termSeen);
      this.#termSeen = grown;
    }
    if (this.#termSeenStamp > 2 ** 30) {
      this.#termSeen.fill(0);
      this.#termSeenStamp = 0;
    }
    return ++this.#termSeenStamp;
  }

  #listByName(typeCode: number, page: number, perPage: number): SourceSearchPage {
    const order = typeCode < 0 ? this.#orderByName : this.#orderForType(typeCode);
    const skip = (page - 1) * perPage;
    const results = order.slice(skip, skip + perPage).map((slot) => this.#records[slot]!);
    return { total: order.length, results };
  }

  #orderForType(typeCode: number): number[] {
    let order = this.#orderByNameForType.get(typeCode);
    if (!order) {
      order = this.#orderByName.filter((slot) => this.#typeCodes[slot] === typeCode);
      this.#orderByNameForType.set(typeCode, order);
    }
    return order;
  }

  #insert(source: SourceRecord, placeTokenCache: Map<string, string[]> | undefined): void {
    const slot = this.#records.length;
    this.#records.push(source);
    this.#slotById.set(source.id, slot);
    this.#ensureSlotCapacity(slot + 1);
    const typeCode = SOURCE_TYPES.indexOf(source.type);
    this.#typeCodes[slot] = typeCode;
    this.#liveCount++;

    const nameTokens = tokenize(source.name);
    this.#normalizedNames.push(nameTokens.join(" "));
    this.#nameTokenCounts[slot] = Math.min(255, nameTokens.length);
    const firstToken = nameTokens[0];
    this.#firstNameTerms[slot] = firstToken && firstToken.length <= MAX_TERM_CHARS ? this.#termId(firstToken) : -1;
    this.#forwardStart[slot] = this.#forwardLength;
    for (const token of nameTokens) this.#postWithAbbreviation(token, slot, 0);

    const placeKey = `${source.city}\u0000${source.state}\u0000${source.type}`;
    let placeTokens = placeTokenCache?.get(placeKey);
    if (!placeTokens) {
      const stateName = US_STATE_NAMES[source.state.toUpperCase()] ?? "";
      placeTokens = tokenize(`${source.city} ${source.state} ${stateName} ${TYPE_WORDS[source.type] ?? ""}`);
      placeTokenCache?.set(placeKey, placeTokens);
    }
    for (const token of placeTokens) this.#postWithAbbreviation(token, slot, 1);
    this.#forwardEnd[slot] = this.#forwardLength;
  }

  #postWithAbbreviation(token: string, slot: number, field: 0 | 1): void {
    this.#post(token, slot, field);
    const other = ABBREVIATIONS[token];
    if (other) this.#post(other, slot, field);
  }

  #post(token: string, slot: number, field: 0 | 1): void {
    if (token.length > MAX_TERM_CHARS) return;
    const termId = this.#termId(token);
    const postings = field === 0 ? this.#namePostings[termId]! : this.#placePostings[termId]!;
    // Slots only grow, so a repeated word in one field shows up as the last posting.
    if (postings[postings.length - 1] === slot) return;
    postings.push(slot);
    if (this.#forwardLength === this.#forwardTerms.length) {
      const grown = new Int32Array(this.#forwardTerms.length * 2);
      grown.set(this.#forwardTerms);
      this.#forwardTerms = grown;
    }
    this.#forwardTerms[this.#forwardLength++] = (termId << 1) | field;
  }

  #termId(term: string): number {
    let id = this.#termIds.get(term);
    if (id === undefined) {
      id = this.#terms.length;
      this.#termIds.set(term, id);
      this.#terms.push(term);
      this.#termMasks.push(letterMask(term));
      this.#namePostings.push([]);
      this.#placePostings.push([]);
      (this.#termsByLength[term.length] ??= []).push(id);
    }
    return id;
  }

  #vacate(slot: number): void {
    const source = this.#records[slot];
    if (!source) return;
    this.#records[slot] = undefined;
    this.#slotById.delete(source.id);
    this.#liveCount--;
    this.#typeCodes[slot] = -1;
    this.#takeOutOfOrder(slot);
  }

  #ensureSlotCapacity(slots: number): void {
    if (this.#visited.length >= slots) return;
    const capacity = Math.max(1024, slots * 2);
    const grow = <T extends Int32Array | Uint8Array | Int8Array>(old: T, make: (n: number) => T): T => {
      const grown = make(capacity);
      grown.set(old);
      return grown;
    };
    this.#typeCodes = grow(this.#typeCodes, (n) => new Int8Array(n));
    this.#nameTokenCounts = grow(this.#nameTokenCounts, (n) => new Uint8Array(n));
    this.#firstNameTerms = grow(this.#firstNameTerms, (n) => new Int32Array(n));
    this.#nameRanks = grow(this.#nameRanks, (n) => new Int32Array(n));
    this.#forwardStart = grow(this.#forwardStart, (n) => new Int32Array(n));
    this.#forwardEnd = grow(this.#forwardEnd, (n) => new Int32Array(n));
    this.#matchedSlots = new Int32Array(capacity);
    this.#nextSlots = new Int32Array(capacity);
    this.#visited = grow(this.#visited, (n) => new Int32Array(n));
    this.#bestCode = grow(this.#bestCode, (n) => new Uint8Array(n));
    this.#nameHits = grow(this.#nameHits, (n) => new Uint8Array(n));
    this.#typos = grow(this.#typos, (n) => new Uint8Array(n));
    this.#exactWords = grow(this.#exactWords, (n) => new Uint8Array(n));
  }

  /** Computes the by-name order that breaks ties and lists sources for an empty query. */
  #refreshOrder(): void {
    // Many sources share a name (chains), so sort the distinct names natively and only the small groups by hand.
    const slotsByName = new Map<string, number[]>();
    for (let slot = 0; slot < this.#records.length; slot++) {
      if (!this.#records[slot]) continue;
      const name = this.#normalizedNames[slot]!;
      const group = slotsByName.get(name);
      if (group) group.push(slot);
      else slotsByName.set(name, [slot]);
    }
    const order: number[] = [];
    for (const name of [...slotsByName.keys()].sort()) {
      const group = slotsByName.get(name)!;
      if (group.length > 1) group.sort((a, b) => this.#compareByName(a, b));
      for (const slot of group) order.push(slot);
    }
    this.#orderByName = order;
    this.#renumberFrom(0);
  }

  #compareByName(a: number, b: number): number {
    const ra = this.#records[a]!;
    const rb = this.#records[b]!;
    return (
      compareStrings(this.#normalizedNames[a]!, this.#normalizedNames[b]!) ||
      compareStrings(ra.name, rb.name) ||
      compareStrings(ra.id, rb.id)
    );
  }

  /** Puts a newly added slot into the by-name order without sorting everything again. */
  #placeInOrder(slot: number): void {
    const order = this.#orderByName;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compareByName(order[mid]!, slot) < 0) lo = mid + 1;
      else hi = mid;
    }
    order.splice(lo, 0, slot);
    this.#renumberFrom(lo);
  }

  #takeOutOfOrder(slot: number): void {
    const at = this.#nameRanks[slot]!;
    if (this.#orderByName[at] !== slot) return;
    this.#orderByName.splice(at, 1);
    this.#renumberFrom(at);
  }

  #renumberFrom(start: number): void {
    const order = this.#orderByName;
    for (let rank = start; rank < order.length; rank++) this.#nameRanks[order[rank]!] = rank;
    this.#orderByNameForType.clear();
    this.#shortPrefixRankings.clear();
    this.#popularOrder = undefined;
  }

  /** Rebuilds postings without the slots of removed sources once they are the majority. */
  #compact(): void {
    const live = this.#records.filter((r): r is SourceRecord => r !== undefined);
    const rebuilt = new SourceSearchIndex(live);
    this.#records = rebuilt.#records;
    this.#slotById = rebuilt.#slotById;
    this.#normalizedNames = rebuilt.#normalizedNames;
    this.#nameTokenCounts = rebuilt.#nameTokenCounts;
    this.#firstNameTerms = rebuilt.#firstNameTerms;
    this.#forwardStart = rebuilt.#forwardStart;
    this.#forwardEnd = rebuilt.#forwardEnd;
    this.#forwardTerms = rebuilt.#forwardTerms;
    this.#forwardLength = rebuilt.#forwardLength;
    this.#typeCodes = rebuilt.#typeCodes;
    this.#liveCount = rebuilt.#liveCount;
    this.#termIds = rebuilt.#termIds;
    this.#terms = rebuilt.#terms;
    this.#termMasks = rebuilt.#termMasks;
    this.#namePostings = rebuilt.#namePostings;
    this.#placePostings = rebuilt.#placePostings;
    this.#sortedTerms = rebuilt.#sortedTerms;
    this.#sortedTermIds = rebuilt.#sortedTermIds;
    this.#termsByLength = rebuilt.#termsByLength;
    this.#nameRanks = rebuilt.#nameRanks;
    this.#orderByName = rebuilt.#orderByName;
    this.#orderByNameForType = rebuilt.#orderByNameForType;
    this.#shortPrefixRankings = rebuilt.#shortPrefixRankings;
    this.#popularOrder = undefined;
    this.#tokenMatches = rebuilt.#tokenMatches;
    this.#termSeen = rebuilt.#termSeen;
    this.#termSeenStamp = rebuilt.#termSeenStamp;
    this.#leadingTerms = rebuilt.#leadingTerms;
    this.#wordQuality = rebuilt.#wordQuality;
    this.#wordQualityStamp = rebuilt.#wordQualityStamp;
    this.#visited = rebuilt.#visited;
    this.#bestCode = rebuilt.#bestCode;
    this.#nameHits = rebuilt.#nameHits;
    this.#typos = rebuilt.#typos;
    this.#exactWords = rebuilt.#exactWords;
    this.#matchedSlots = rebuilt.#matchedSlots;
    this.#nextSlots = rebuilt.#nextSlots;
    this.#searchStamp = rebuilt.#searchStamp;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

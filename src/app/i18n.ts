/**
 * The app's strings in English and Spanish. Spanish is typed against the English keys, so a missing translation
 * fails the typecheck. `{name}`-style placeholders are filled by `t`. English comes in two parts: the first screens'
 * strings here, in the first load, and the later screens' in src/app/i18n-later.ts, which arrives with them.
 */
import { signal } from "@preact/signals";

const en = {
  appTitle: "Connect your health data",
  close: "Close",
  back: "Back",
  loading: "Loading…",
  logoAlt: "{name} logo",
  searchHeading: "Find your health data sources",
  searchLabel: "Search providers, labs, pharmacies and devices",
  typeLabel: "Type",
  typeAll: "All types",
  "type.hospital": "Hospital",
  "type.clinic": "Clinic",
  "type.lab": "Lab",
  "type.pharmacy": "Pharmacy",
  "type.insurer": "Insurer",
  "type.wearable": "Wearable",
  resultsLabel: "Sources",
  resultCount: "{count} sources found",
  resultCountOne: "1 source found",
  noResults: "No sources match your search.",
  noResultsHint: "Check the spelling or try another type.",
  loadMore: "Show more",
  pinnedHeading: "Suggested sources",
  popularHeading: "Popular sources",
  searchHint: "Type the name of your hospital, clinic, lab, pharmacy, insurer or device, or your city.",
  yourConnections: "Your connections",
  connected: "Connected",
  tryAgain: "Try again",
  needsReauth: "Needs you to sign in again",
  errorHeading: "Something went wrong",
  "error.NETWORK_ERROR": "We could not reach the service. Check your internet connection and try again.",
  "error.RATE_LIMITED": "Too many attempts. Wait a moment and try again.",
  "error.generic": "Something went wrong. Try again.",
  hostedUnavailable: "Open this page from the application that asked you to connect your health data.",
} as const;

/** Every message key; the Spanish catalogue must have all of them. */
export type MessageKey = keyof typeof en | keyof typeof import("./i18n-later.ts").enLater;
/** A language's messages: one for every English key. */
export type Catalog = Record<MessageKey, string>;


/** Languages the app speaks. */
export type Language = "en" | "es";

// English is part of the first load; Spanish arrives with `loadLanguage`, so English readers never download it.
const catalogs: Partial<Record<Language, Partial<Catalog>>> = { en };

// Moves on whenever messages arrive: every screen reads it through `t`, so a screen shown before its messages (an
// error screen ahead of the later chunk) renders again with them.
const catalogVersion = signal(0);

/** Adds the messages of a chunk loaded later to a language. */
export function addMessages(lang: Language, messages: Partial<Catalog>): void {
  catalogs[lang] = { ...catalogs[lang], ...messages };
  catalogVersion.value++;
}

/** The language in use; screens re-render when it changes. Set it through `loadLanguage`. */
export const language = signal<Language>("en");

/** Fetches a language's messages when not yet here, then makes it the language in use. */
export async function loadLanguage(lang: Language): Promise<void> {
  if (!catalogs[lang]) addMessages(lang, (await import("./i18n-es.ts")).es);
  language.value = lang;
}

/** Maps a BCP 47 tag ("es-MX", "en") to a supported language, or null when it is not one. */
export function toLanguage(tag: string | null | undefined): Language | null {
  if (typeof tag !== "string") return null;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return primary === "en" || primary === "es" ? primary : null;
}

/** The first supported language among the candidates (init option, `?lang=`, browser), else English. */
export function chooseLanguage(...candidates: Array<string | null | undefined>): Language {
  for (const c of candidates) {
    const lang = toLanguage(c);
    if (lang) return lang;
  }
  return "en";
}

/** True when `key` names a message, for keys built at run time (error codes, source types). */
export function hasMessage(key: string): key is MessageKey {
  void catalogVersion.value;
  return Object.prototype.hasOwnProperty.call(catalogs.en, key);
}

/** The message for `key` in the current language, with `{placeholders}` filled in. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  void catalogVersion.value;
  const template = catalogs[language.value]?.[key] ?? catalogs.en?.[key] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

const COMBINING_MARKS = /\p{M}+/gu;
const APOSTROPHES = /['’`ʼ]/g;
const SEPARATORS = /[^\p{L}\p{N}]+/gu;

/** Lower-cases, strips accents and apostrophes, and turns every run of other punctuation into one space. */
export function normalizeText(text: string): string {
  return text
    .normalize("NFKD")
    .replace(COMBINING_MARKS, "")
    .toLowerCase()
    .replace(APOSTROPHES, "")
    .replace(SEPARATORS, " ")
    .trim();
}

/** The search tokens of a text: its normalised words. */
export function tokenize(text: string): string[] {
  const normalized = normalizeText(text);
  return normalized === "" ? [] : normalized.split(" ");
}

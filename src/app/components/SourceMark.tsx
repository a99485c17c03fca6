/**
 * A source's mark: its logo when the catalog has one, otherwise a monogram on a colour derived from the name, so the
 * same source always looks the same. The mark is decorative (the name is written beside it), hence `alt=""`.
 */
import { useState } from "preact/hooks";

/** Monogram backgrounds, each at least 5:1 against white text (WCAG AA asks 4.5:1). */
export const MONOGRAM_COLORS = [
  "#0b5cad", "#1a7f37", "#b42318", "#8a4b00", "#6f42c1", "#0e7490",
  "#be185d", "#4d6b1f", "#a21caf", "#475467", "#9a3412", "#1d4ed8",
] as const;

/** Up to two letters: the initials of the first two words that start with a letter or digit. */
export function monogram(name: string): string {
  const initials = name.match(/[\p{L}\p{N}][\p{L}\p{N}'’]*/gu) ?? [];
  return initials
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join("");
}

/** The colour of a name's monogram: a hash of the name picks one of `MONOGRAM_COLORS`. */
export function monogramColor(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
  return MONOGRAM_COLORS[(h >>> 0) % MONOGRAM_COLORS.length]!;
}

/** The mark of one source. Only https logos are used; one that fails to load falls back to the monogram. */
export function SourceMark({ name, logoUrl }: { name: string; logoUrl?: string | undefined }) {
  const [broken, setBroken] = useState(false);
  if (logoUrl && logoUrl.startsWith("https://") && !broken) {
    return <img class="mark" src={logoUrl} alt="" width={32} height={32} loading="lazy" referrerpolicy="no-referrer" onError={() => setBroken(true)} />;
  }
  return (
    <span class="mark" aria-hidden="true" style={{ background: monogramColor(name) }}>
      {monogram(name)}
    </span>
  );
}

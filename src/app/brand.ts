/** The client's brand colour, validated, with a text colour that stays readable on it. */

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
const DEFAULT_BRAND = "#0b5cad";

function channels(hex: string): [number, number, number] {
  const h = hex.length === 4 ? [...hex.slice(1)].map((c) => c + c).join("") : hex.slice(1);
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255) as [number, number, number];
}

function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** CSS custom properties for a brand colour; anything but a #hex colour falls back to the default. */
export function brandStyle(color: string | null | undefined): Record<string, string> {
  const brand = typeof color === "string" && HEX.test(color) ? color.toLowerCase() : DEFAULT_BRAND;
  const l = luminance(brand);
  // Whichever of black or white contrasts more with the brand colour; one of them always reaches 4.5:1.
  const onBrand = (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
  return { "--brand": brand, "--on-brand": onBrand };
}

/** True for a #rgb or #rrggbb colour. */
export function isHexColor(color: unknown): color is string {
  return typeof color === "string" && HEX.test(color);
}

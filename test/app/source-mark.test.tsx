// @vitest-environment happy-dom
import { cleanup, fireEvent, render } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { MONOGRAM_COLORS, monogram, monogramColor, SourceMark } from "../../src/app/components/SourceMark.tsx";

afterEach(() => cleanup());

/** WCAG 2 contrast ratio of a #rrggbb colour against white. */
function contrastWithWhite(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
}

describe("source marks", () => {
  it("draws white monograms only on colours with at least 4.5:1 contrast", () => {
    for (const color of MONOGRAM_COLORS) expect(contrastWithWhite(color), color).toBeGreaterThanOrEqual(4.5);
  });

  it("takes the initials of the first two words, and always the same colour for the same name", () => {
    expect(monogram("Cleveland Clinic")).toBe("CC");
    expect(monogram("Starfleet Pharmacy #0042")).toBe("SP");
    expect(monogram("  émile's  lab")).toBe("ÉL");
    expect(monogram("Holodeck")).toBe("H");
    expect(monogram("#1 & co")).toBe("1C");
    expect(monogramColor("Cleveland Clinic")).toBe(monogramColor("Cleveland Clinic"));
    const colours = new Set(["Cleveland Clinic", "Starfleet Pharmacy", "Holodeck Fitness", "Enterprise Medical Labs", "Romulan Health Plan", "Vulcan Slow Clinic"].map(monogramColor));
    expect(colours.size).toBeGreaterThan(2);
  });

  it("shows an https logo, decorative beside the name, and falls back to the monogram when it does not load", () => {
    const { container } = render(<SourceMark name="Cleveland Clinic" logoUrl="https://cdn.example/cc.png" />);
    const img = container.querySelector("img")!;
    expect(img.getAttribute("src")).toBe("https://cdn.example/cc.png");
    expect(img.getAttribute("alt")).toBe("");
    fireEvent.error(img);
    expect(container.querySelector("img")).toBeNull();
    expect(container.textContent).toBe("CC");
  });

  it("never loads a logo that is not https", () => {
    for (const logoUrl of ["http://cdn.example/cc.png", "javascript:alert(1)", "data:image/png;base64,AAAA", undefined]) {
      const { container } = render(<SourceMark name="Cleveland Clinic" logoUrl={logoUrl} />);
      expect(container.querySelector("img"), String(logoUrl)).toBeNull();
      expect(container.querySelector(".mark")?.getAttribute("aria-hidden")).toBe("true");
      cleanup();
    }
  });
});

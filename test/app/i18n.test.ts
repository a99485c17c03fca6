import { afterEach, describe, expect, it } from "vitest";
import { chooseLanguage, language, t } from "../../src/app/i18n.ts";

afterEach(() => void (language.value = "en"));

describe("i18n", () => {
  it("prefers the init option, then ?lang=, then the browser, then English", () => {
    expect(chooseLanguage("es", "en", "en-US")).toBe("es");
    expect(chooseLanguage(undefined, "es-MX", "en-US")).toBe("es");
    expect(chooseLanguage("fr", null, "es-ES")).toBe("es");
    expect(chooseLanguage(undefined, null, "de-DE")).toBe("en");
  });

  it("translates and fills placeholders", () => {
    expect(t("credentialsHeading", { name: "Cleveland Clinic" })).toBe("Sign in to Cleveland Clinic");
    language.value = "es";
    expect(t("credentialsHeading", { name: "Cleveland Clinic" })).toBe("Inicia sesión en Cleveland Clinic");
    expect(t("close")).toBe("Cerrar");
  });
});

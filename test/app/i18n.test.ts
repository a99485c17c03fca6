import { afterEach, describe, expect, it } from "vitest";
import { addMessages, chooseLanguage, hasMessage, language, loadLanguage, t } from "../../src/app/i18n.ts";
import { enLater } from "../../src/app/i18n-later.ts";

afterEach(() => void (language.value = "en"));

describe("i18n", () => {
  it("prefers the init option, then ?lang=, then the browser, then English", () => {
    expect(chooseLanguage("es", "en", "en-US")).toBe("es");
    expect(chooseLanguage(undefined, "es-MX", "en-US")).toBe("es");
    expect(chooseLanguage("fr", null, "es-ES")).toBe("es");
    expect(chooseLanguage(undefined, null, "de-DE")).toBe("en");
  });

  it("has the later screens' English only once their chunk has added it", () => {
    expect(hasMessage("error.ACCOUNT_LOCKED")).toBe(false);
    expect(t("searchHeading")).toBe("Find your health data sources");
    addMessages("en", enLater);
    expect(hasMessage("error.ACCOUNT_LOCKED")).toBe(true);
  });

  it("translates and fills placeholders, Spanish once its messages are loaded", async () => {
    addMessages("en", enLater);
    expect(t("credentialsHeading", { name: "Cleveland Clinic" })).toBe("Sign in to Cleveland Clinic");
    await loadLanguage("es");
    expect(language.value).toBe("es");
    expect(t("credentialsHeading", { name: "Cleveland Clinic" })).toBe("Inicia sesión en Cleveland Clinic");
    expect(t("close")).toBe("Cerrar");
  });
});

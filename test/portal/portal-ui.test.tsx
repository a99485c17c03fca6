// @vitest-environment happy-dom
// The Portal's screens against a fake Portal API: the language pick, a complete Spanish table, rotating the client
// secret through an in-page confirmation, and the way back to sign-in when a call answers 401.
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { axeViolations } from "../app/axe.ts";

interface Recorded {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

const CLIENT = { client_id: "cl_portal", name: "Portal Co" };
const SESSION = { client: CLIENT, csrf_token: "csrf-1", mail_transport: null };

/** A fake `/portal/api` on `fetch`: one client, its secret, one Portal session. */
function fakePortal() {
  const state = { secret: "old-secret", signedIn: false, calls: [] as Recorded[] };
  const json = (status: number, body?: unknown) =>
    new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  const signInRequired = () => json(401, { errorCode: "PORTAL_SIGN_IN_REQUIRED", message: "Sign in to the Portal with your client id and secret." });
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const path = url.replace(/^\/portal\/api/, "");
      const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
      state.calls.push({ method: init.method ?? "GET", path, body, headers: { ...(init.headers as Record<string, string>) } });
      if (path === "/sign-in") {
        if ((body as { client_secret: string }).client_secret !== state.secret) return json(401, { errorCode: "INVALID_CLIENT_ID_OR_SECRET", message: "No." });
        state.signedIn = true;
        return json(200, SESSION);
      }
      if (!state.signedIn) return signInRequired();
      if (path === "/session") return json(200, SESSION);
      if (path.startsWith("/users")) return json(200, { page: 1, per_page: 20, total: 0, users: [] });
      if (path === "/webhook-endpoint") return json(404, { errorCode: "WEBHOOK_ENDPOINT_NOT_FOUND", message: "None." });
      if (path === "/client-settings") return json(200, { ...CLIENT, redirect_url: null, allowed_origins: [] });
      if (path === "/email-templates") return json(200, { templates: [] });
      if (path === "/webhook-deliveries?per_page=50") return json(200, { deliveries: [] });
      if (path === "/client-secret/rotate") {
        state.secret = "new-secret-0123456789";
        state.signedIn = false;
        return json(200, { client_id: CLIENT.client_id, client_secret: state.secret, revoked_tokens: (body as { revoke_tokens: boolean }).revoke_tokens });
      }
      return json(404, { errorCode: "NOT_FOUND", message: path });
    }),
  );
  return state;
}

/** The Portal app, loaded afresh for the browser language given. */
async function renderPortal(language = "en-US") {
  vi.stubGlobal("navigator", { ...navigator, language, languages: [language] });
  vi.resetModules();
  const { PortalApp } = await import("../../src/portal/App.tsx");
  return render(<PortalApp />);
}

async function signIn(secret: string, labels = { id: "Client id", secret: "Client secret", button: "Sign in" }) {
  fireEvent.input(await screen.findByLabelText(labels.id), { target: { value: CLIENT.client_id } });
  fireEvent.input(screen.getByLabelText(labels.secret), { target: { value: secret } });
  fireEvent.click(screen.getByRole("button", { name: labels.button }));
  await screen.findByRole("navigation");
}

beforeEach(() => {
  vi.stubGlobal("confirm", () => {
    throw new Error("window.confirm must not be used");
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("the Portal's language", () => {
  it("is Spanish for es* browser languages and English for every other", async () => {
    const { portalLanguage } = await import("../../src/portal/i18n.ts");
    for (const tag of ["es", "es-ES", "es-419", "ES-mx"]) expect(portalLanguage(tag), tag).toBe("es");
    for (const tag of ["en-US", "en", "fr-FR", "pt-BR", "", undefined]) expect(portalLanguage(tag), String(tag)).toBe("en");
  });

  it("has every message in Spanish, of the same shape as the English one", async () => {
    const { messages } = await import("../../src/portal/i18n.ts");
    const walk = (en: Record<string, unknown>, es: Record<string, unknown>, at: string) => {
      expect(Object.keys(es).sort(), at).toStrictEqual(Object.keys(en).sort());
      for (const [key, value] of Object.entries(en)) {
        const other = es[key];
        expect(typeof other, `${at}${key}`).toBe(typeof value);
        if (typeof value === "string") expect((other as string).trim(), `${at}${key}`).not.toBe("");
        if (typeof value === "function") expect((other as (...a: unknown[]) => string)(3, 4), `${at}${key}`).toMatch(/\S/);
        if (value && typeof value === "object") walk(value as Record<string, unknown>, other as Record<string, unknown>, `${at}${key}.`);
      }
    };
    walk(messages.en as unknown as Record<string, unknown>, messages.es as unknown as Record<string, unknown>, "");
  });

  it("speaks Spanish in a Spanish browser, down to the secret rotation", async () => {
    fakePortal();
    await renderPortal("es-ES");
    await signIn("old-secret", { id: "Id de cliente", secret: "Secreto de cliente", button: "Iniciar sesión" });
    fireEvent.click(screen.getByRole("button", { name: "Ajustes" }));
    await screen.findByRole("heading", { level: 2, name: "Secreto de cliente" });
    fireEvent.click(screen.getByRole("button", { name: "Rotar el secreto de cliente" }));
    await screen.findByText(/¿Rotar el secreto ahora\?/);
    expect(screen.getByRole("button", { name: "Sí, rotar" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Cancelar" })).toBeTruthy();
  });
});

describe("rotating the client secret", () => {
  it("asks in the page, sends revoke_tokens with the CSRF token, shows the new secret once, then goes back to sign-in", async () => {
    const api = fakePortal();
    await renderPortal();
    await signIn("old-secret");
    fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    await screen.findByRole("heading", { level: 2, name: "Client secret" });
    expect(screen.getByText(/Stop working at once: the old secret, client tokens, every Portal session/)).toBeTruthy();
    expect(screen.getByText(/Keep working until they expire: session, id and refresh tokens already issued, unless/)).toBeTruthy();

    // Cancelling the confirmation changes nothing.
    fireEvent.click(screen.getByRole("button", { name: "Rotate the client secret" }));
    await screen.findByRole("group", { name: /Rotate the secret now\?/ });
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(document.activeElement?.textContent).toBe("Rotate the client secret"));
    expect(api.calls.some((c) => c.path === "/client-secret/rotate")).toBe(false);

    fireEvent.click(screen.getByLabelText(/Also revoke every token issued so far/));
    fireEvent.click(screen.getByRole("button", { name: "Rotate the client secret" }));
    await screen.findByRole("group", { name: /Rotate the secret and revoke every token now\?/ });
    await waitFor(() => expect(document.activeElement?.textContent).toBe("Yes, rotate"));
    expect(await axeViolations()).toStrictEqual([]);
    fireEvent.click(screen.getByRole("button", { name: "Yes, rotate" }));

    const field = (await screen.findByLabelText("New client secret")) as HTMLInputElement;
    expect(field.value).toBe("new-secret-0123456789");
    expect(field.readOnly).toBe(true);
    await waitFor(() => expect(document.activeElement).toBe(field));
    expect(document.getElementById(field.getAttribute("aria-describedby")!)?.textContent).toMatch(
      /Secret rotated and every token revoked\. It is shown only once: copy it now\..*sign in again with the new secret/,
    );
    expect(screen.queryByRole("button", { name: "Rotate the client secret" })).toBeNull();
    const rotation = api.calls.filter((c) => c.path === "/client-secret/rotate");
    expect(rotation).toHaveLength(1);
    expect(rotation[0]).toMatchObject({ method: "POST", body: { revoke_tokens: true }, headers: { "X-CSRF-Token": "csrf-1" } });
    expect(await axeViolations()).toStrictEqual([]);

    fireEvent.click(screen.getByRole("button", { name: "Sign in again" }));
    await screen.findByText("Sign in with the new client secret.");
    expect((screen.getByLabelText("Client id") as HTMLInputElement).value).toBe(CLIENT.client_id);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Client secret")));
    expect(await axeViolations()).toStrictEqual([]);
    await signIn("new-secret-0123456789");
  });

  it("sends revoke_tokens false when the box is left unchecked", async () => {
    const api = fakePortal();
    await renderPortal();
    await signIn("old-secret");
    fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    fireEvent.click(await screen.findByRole("button", { name: "Rotate the client secret" }));
    fireEvent.click(await screen.findByRole("button", { name: "Yes, rotate" }));
    await screen.findByLabelText("New client secret");
    expect(api.calls.find((c) => c.path === "/client-secret/rotate")?.body).toStrictEqual({ revoke_tokens: false });
    expect(screen.getByText(/^Secret rotated\. It is shown only once/)).toBeTruthy();
  });
});

describe("a call answering 401", () => {
  it("returns to the sign-in screen, saying the session has ended", async () => {
    const api = fakePortal();
    await renderPortal();
    await signIn("old-secret");
    api.signedIn = false; // ended elsewhere: expired, signed out, or the secret rotated in another tab
    fireEvent.click(screen.getByRole("button", { name: "Email templates" }));
    await screen.findByText("Your Portal session has ended. Sign in again.");
    expect(screen.queryByRole("navigation")).toBeNull();
    expect((screen.getByLabelText("Client id") as HTMLInputElement).value).toBe(CLIENT.client_id);
  });

  it("at sign-in is a wrong secret, not an ended session", async () => {
    fakePortal();
    await renderPortal();
    fireEvent.input(await screen.findByLabelText("Client id"), { target: { value: CLIENT.client_id } });
    fireEvent.input(screen.getByLabelText("Client secret"), { target: { value: "wrong" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await screen.findByText("That client id and secret do not match.");
    expect(screen.queryByText(/session has ended/)).toBeNull();
  });
});

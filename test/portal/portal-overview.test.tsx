// @vitest-environment happy-dom
// The Portal's Overview screen against a fake Portal API: it is the first screen after sign-in, its charts have
// names and tables behind a button, the period control asks for the chosen period, and the funnel's arithmetic.
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PortalOverview } from "../../src/protocol/portal-overview.ts";
import { funnelSteps } from "../../src/portal/overview/funnel.ts";
import { axeViolations } from "../app/axe.ts";

const SESSION = { client: { client_id: "cl_overview", name: "Overview Co" }, csrf_token: "csrf-1", mail_transport: null };

const overview = (days: 7 | 30 | 90, users: PortalOverview["users"]): PortalOverview => ({
  days,
  from: "2026-11-01T00:00:00.000Z",
  to: "2026-12-01T00:00:00.000Z",
  users,
  connections: [
    { type: "pharmacy", count: 3 },
    { type: "wearable", count: 1 },
  ],
  webhooks: { delivered: 7, retrying: 2, failed: 1, queued: 0 },
});

/** A fake `/portal/api` on `fetch`, signed in, recording the overview periods asked for. */
function fakePortal() {
  const asked: string[] = [];
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string) => {
      const path = url.replace(/^\/portal\/api/, "");
      if (path === "/session") return json(SESSION);
      if (path.startsWith("/overview?")) {
        const days = Number(new URLSearchParams(path.split("?")[1]).get("days")) as 7 | 30 | 90;
        asked.push(String(days));
        return json(days === 7 ? overview(7, { created: 1, invited: 0, engaged: 0, connected: 1 }) : overview(days, { created: 2, invited: 3, engaged: 1, connected: 4 }));
      }
      return new Response(JSON.stringify({ errorCode: "NOT_FOUND", message: path }), { status: 404 });
    }),
  );
  return asked;
}

async function renderPortal(language = "en-US") {
  vi.stubGlobal("navigator", { ...navigator, language, languages: [language] });
  vi.resetModules();
  const { PortalApp } = await import("../../src/portal/App.tsx");
  return render(<PortalApp />);
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the users funnel", () => {
  it("counts each step as the users in it or further, with the share of the step before", () => {
    expect(funnelSteps({ created: 2, invited: 3, engaged: 1, connected: 4 })).toStrictEqual([
      { status: "created", now: 2, reached: 10, conversion: null },
      { status: "invited", now: 3, reached: 8, conversion: 0.8 },
      { status: "engaged", now: 1, reached: 5, conversion: 0.625 },
      { status: "connected", now: 4, reached: 4, conversion: 0.8 },
    ]);
    expect(funnelSteps({ created: 0, invited: 0, engaged: 0, connected: 0 }).map((s) => s.conversion)).toStrictEqual([null, null, null, null]);
  });
});

describe("the Overview screen", () => {
  it("is the first screen; each chart has a name and a table behind a button; the period is asked for", async () => {
    const asked = fakePortal();
    await renderPortal();
    await screen.findByRole("heading", { level: 1, name: "Overview" });
    const nav = screen.getByRole("navigation");
    expect(within(nav).getByRole("button", { name: "Overview" }).getAttribute("aria-current")).toBe("page");

    const funnel = await screen.findByRole("img", { name: "Users by status, Last 30 days" });
    expect(funnel.tagName.toLowerCase()).toBe("svg");
    expect(screen.getByRole("img", { name: "Connections by source type, Last 30 days" })).toBeTruthy();
    expect(screen.getByRole("img", { name: "Webhook delivery health, Last 30 days" })).toBeTruthy();
    expect(screen.getByText("10 users created in the period, 4 connected now.")).toBeTruthy();

    // The table is hidden until asked for, then it holds the figures.
    const toggle = screen.getByRole("button", { name: "Show as a table: Users by status, Last 30 days" });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(screen.queryByRole("table", { name: "Users by status" })).toBeNull();
    fireEvent.click(toggle);
    const table = await screen.findByRole("table", { name: "Users by status" });
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(toggle.textContent).toBe("Hide the table");
    const rows = within(table).getAllByRole("row").slice(1).map((r) => Array.from(r.children).map((c) => c.textContent));
    expect(rows).toStrictEqual([
      ["Created", "2", "10", "—"],
      ["Invited", "3", "8", "80%"],
      ["Engaged", "1", "5", "63%"],
      ["Connected", "4", "4", "80%"],
    ]);
    expect(await axeViolations()).toStrictEqual([]);

    fireEvent.change(screen.getByLabelText("Period"), { target: { value: "7" } });
    await screen.findByRole("img", { name: "Users by status, Last 7 days" });
    await waitFor(() => expect(screen.getByText("2 users created in the period, 1 connected now.")).toBeTruthy());
    expect(asked).toStrictEqual(["30", "7"]);
  });

  it("speaks Spanish", async () => {
    fakePortal();
    await renderPortal("es-ES");
    await screen.findByRole("heading", { level: 1, name: "Resumen" });
    await screen.findByRole("img", { name: "Usuarios por estado, Últimos 30 días" });
    expect(screen.getByLabelText("Periodo")).toBeTruthy();
    expect(screen.getByRole("img", { name: "Conexiones por tipo de fuente, Últimos 30 días" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Mostrar como tabla: Estado de las entregas de webhooks, Últimos 30 días" }));
    const table = await screen.findByRole("table", { name: "Estado de las entregas de webhooks" });
    expect(within(table).getByRole("rowheader", { name: "Reintentando" })).toBeTruthy();
    expect(await axeViolations()).toStrictEqual([]);
  });
});

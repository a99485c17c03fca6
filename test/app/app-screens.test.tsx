// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { axeViolations } from "./axe.ts";
import { CLEVELAND, createFakeService, HOLODECK, LABS, ROMULAN, STARFLEET } from "./fake-service.ts";
import { renderConnect, SERVICE_ORIGIN } from "./harness.tsx";

afterEach(() => cleanup());

const resultOptions = () => within(screen.getByRole("listbox")).getAllByRole("option");

/** Waits for the first screen: the search box, and the suggested sources once they have arrived. */
async function searchReady() {
  const box = await screen.findByRole("searchbox", { name: /Search/ });
  await waitFor(() => expect(document.getElementById("hc-suggestions")?.getAttribute("aria-busy")).toBeFalsy());
  return box;
}

/** Searches for a source by name and opens it from the results. */
async function openSource(name: string) {
  const box = await searchReady();
  fireEvent.input(box, { target: { value: name } });
  fireEvent.click(await screen.findByRole("option", { name }));
  await screen.findByRole("heading", { level: 1, name });
  await screen.findByRole("button", { name: /^(Connect|Disconnect)$/ });
}

async function signIn(username: string, password: string) {
  fireEvent.click(screen.getByRole("button", { name: "Connect" }));
  fireEvent.input(await screen.findByLabelText("Username"), { target: { value: username } });
  fireEvent.input(screen.getByLabelText("Password"), { target: { value: password } });
  fireEvent.click(screen.getByRole("button", { name: "Connect" }));
}

/** The source names a first-screen list shows, in order. */
const listed = (heading: string) =>
  within(screen.getByRole("list", { name: heading }))
    .getAllByRole("button")
    .map((b) => b.querySelector(".name")?.textContent);

describe("first screen", () => {
  it("focuses the search box, then sends ready with the current connections", async () => {
    const r = renderConnect({ service: createFakeService({ connections: [CLEVELAND] }) });
    const box = await searchReady();
    await waitFor(() => expect(r.messages("ready")).toHaveLength(1));
    expect(document.activeElement).toBe(box);
    expect(r.messages("ready")[0]).toEqual({ ns: "human-connect", v: 1, type: "ready", currentConnections: [CLEVELAND] });
    expect(r.events().map((e) => e.name)).toEqual(expect.arrayContaining(["OPEN", "READY"]));
  });

  it("shows the user's connections, popular sources without them, and a hint; no count and no result list", async () => {
    renderConnect({ service: createFakeService({ connections: [CLEVELAND] }) });
    await searchReady();
    expect(listed("Your connections")).toEqual(["Cleveland Clinic"]);
    expect(listed("Popular sources")).toEqual(["Starfleet Pharmacy", "Enterprise Medical Labs", "Holodeck Fitness", "Romulan Health Plan"]);
    expect(screen.getByText(/Type the name of your hospital/)).toBeTruthy();
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(screen.getByRole("status").textContent).toBe("");
    // Each source is a button named by the source alone, with a mark beside the name.
    const starfleet = screen.getByRole("button", { name: "Starfleet Pharmacy" });
    expect(starfleet.querySelector(".mark")?.textContent).toBe("SP");
    fireEvent.click(starfleet);
    await screen.findByRole("heading", { level: 1, name: "Starfleet Pharmacy" });
  });

  it("shows the pinned sources first, in the page's order, and warns once about the unknown ones", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const unknown = "0".repeat(24);
      const r = renderConnect({ options: { pinnedSources: [HOLODECK.id, unknown, STARFLEET.id, "not-an-id"] } });
      await searchReady();
      expect(listed("Suggested sources")).toEqual(["Holodeck Fitness", "Starfleet Pharmacy"]);
      expect(listed("Popular sources")).not.toContain("Holodeck Fitness");
      const headings = screen.getAllByRole("heading", { level: 2 }).map((h) => h.textContent);
      expect(headings[0]).toBe("Suggested sources");
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain(unknown);
      expect(String(warn.mock.calls[0]![0])).toContain("not-an-id");
      expect(r.service.state.suggestionRequests).toBe(1);
      expect(await axeViolations()).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  it("speaks Spanish", async () => {
    renderConnect({ options: { language: "es", pinnedSources: [STARFLEET.id] } });
    expect(await screen.findByRole("searchbox", { name: /Buscar/ })).toBeTruthy();
    await screen.findByRole("heading", { name: "Fuentes sugeridas" });
    expect(screen.getByRole("heading", { name: "Fuentes populares" })).toBeTruthy();
    expect(screen.getByText(/Escribe el nombre/)).toBeTruthy();
  });

  it("has no axe violations", async () => {
    renderConnect({ service: createFakeService({ connections: [STARFLEET], broken: [STARFLEET.id] }) });
    await searchReady();
    expect(await axeViolations()).toEqual([]);
  });
});

describe("search", () => {
  it("lists results as options named by the source name as the user types, and the first screen comes back when cleared", async () => {
    renderConnect();
    const box = await searchReady();
    fireEvent.input(box, { target: { value: "starf" } });
    await waitFor(() => expect(resultOptions()).toHaveLength(1));
    expect(screen.getByRole("option", { name: "Starfleet Pharmacy" })).toBeTruthy();
    fireEvent.input(box, { target: { value: "" } });
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(screen.getByRole("heading", { name: "Popular sources" })).toBeTruthy();
  });

  it("announces the count once typing pauses, not on every keystroke", async () => {
    renderConnect({ timings: { searchAnnounceMs: 150 } });
    const box = await searchReady();
    const status = screen.getByRole("status");
    fireEvent.input(box, { target: { value: "e" } });
    await waitFor(() => expect(resultOptions().length).toBeGreaterThan(1));
    fireEvent.input(box, { target: { value: "en" } });
    await waitFor(() => expect(resultOptions()).toHaveLength(1));
    expect(status.textContent).toBe("");
    await waitFor(() => expect(status.textContent).toBe("1 source found"));
  });

  it("filters by source type", async () => {
    renderConnect();
    await searchReady();
    fireEvent.change(screen.getByLabelText("Type"), { target: { value: "wearable" } });
    await waitFor(() => expect(resultOptions().map((o) => o.querySelector(".name")?.textContent)).toEqual(["Holodeck Fitness"]));
  });

  it("shows an empty state when nothing matches", async () => {
    renderConnect();
    const box = await searchReady();
    fireEvent.input(box, { target: { value: "zzzz" } });
    await screen.findByText("No sources match your search.");
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(await axeViolations()).toEqual([]);
  });

  it("moves through the results with the arrow keys and opens one with Enter", async () => {
    renderConnect();
    const box = await searchReady();
    fireEvent.input(box, { target: { value: "e" } });
    await waitFor(() => expect(resultOptions().length).toBeGreaterThan(2));
    fireEvent.keyDown(box, { key: "ArrowDown" });
    fireEvent.keyDown(box, { key: "ArrowDown" });
    const options = resultOptions();
    expect(box.getAttribute("aria-activedescendant")).toBe(options[1]!.id);
    expect(options[1]!.getAttribute("aria-selected")).toBe("true");
    fireEvent.keyDown(box, { key: "ArrowUp" });
    expect(box.getAttribute("aria-activedescendant")).toBe(options[0]!.id);
    fireEvent.keyDown(box, { key: "Enter" });
    const heading = await screen.findByRole("heading", { level: 1, name: options[0]!.querySelector(".name")!.textContent! });
    await waitFor(() => expect(document.activeElement).toBe(heading));
  });

  it("has no axe violations with results", async () => {
    renderConnect();
    const box = await searchReady();
    fireEvent.input(box, { target: { value: "a" } });
    await waitFor(() => expect(resultOptions().length).toBeGreaterThan(1));
    expect(await axeViolations()).toEqual([]);
  });
});

describe("header", () => {
  it("shows the client's name and logo, and applies a validated brand colour", async () => {
    const r = renderConnect();
    await searchReady();
    expect(screen.getByRole("img", { name: "Acme Health logo" }).getAttribute("src")).toBe("https://acme.example/logo.png");
    const root = r.container.querySelector<HTMLElement>(".app")!;
    expect(root.style.getPropertyValue("--brand")).toBe("#ffcc00");
    expect(root.style.getPropertyValue("--on-brand")).toBe("#000000");
  });

  it("ignores a brand colour that is not a #hex colour", async () => {
    const service = createFakeService();
    service.state.client = { name: "Evil", primary_color: "red;background:url(x)", logo_url: "javascript:alert(1)" };
    const r = renderConnect({ service });
    await searchReady();
    expect(r.container.querySelector<HTMLElement>(".app")!.style.getPropertyValue("--brand")).toBe("#0b5cad");
    expect(screen.queryByRole("img")).toBeNull();
  });

  it("closes with SUCCESS and the current connections from the Close button", async () => {
    const r = renderConnect({ service: createFakeService({ connections: [STARFLEET] }) });
    await searchReady();
    fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(r.messages("close")).toEqual([
      { ns: "human-connect", v: 1, type: "close", status: "SUCCESS", currentConnections: [STARFLEET] },
    ]);
    expect(r.events().at(-1)).toMatchObject({ name: "CLOSE", data: { status: "SUCCESS" } });
  });

  it("closes on Escape, once", async () => {
    const r = renderConnect();
    await searchReady();
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    fireEvent.keyDown(document.body, { key: "Escape" });
    expect(r.messages("close")).toHaveLength(1);
  });

  it("answers the page's close-request with close", async () => {
    const r = renderConnect();
    await searchReady();
    r.requestClose();
    expect(r.messages("close")).toMatchObject([{ status: "SUCCESS", currentConnections: [] }]);
  });
});

describe("connecting with credentials", () => {
  it("connects Starfleet Pharmacy and sends the seed's connected payload", async () => {
    const r = renderConnect({ service: createFakeService({ connections: [CLEVELAND] }) });
    await openSource("Starfleet Pharmacy");
    expect(screen.getByText("Pharmacy")).toBeTruthy();
    expect(screen.getByText("San Francisco, CA")).toBeTruthy();
    expect(await axeViolations()).toEqual([]);
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    const username = await screen.findByLabelText("Username");
    await waitFor(() => expect(document.activeElement).toBe(username));
    expect(await axeViolations()).toEqual([]);
    fireEvent.input(username, { target: { value: "demo" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "demo" } });
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await screen.findByRole("heading", { name: "Starfleet Pharmacy is connected" });
    expect(await axeViolations()).toEqual([]);
    expect(r.messages("connected")).toEqual([
      {
        ns: "human-connect",
        v: 1,
        type: "connected",
        response: {
          status: "CONNECTED_SOURCE",
          sessionResults: { connectedSources: [STARFLEET], disconnectedSources: [] },
          currentConnections: [CLEVELAND, STARFLEET],
        },
      },
    ]);
    const names = r.events().map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(["SELECT_SOURCE", "CONNECT_START", "CONNECTED_SOURCE"]));
  });

  it("accumulates results across two connections in one session", async () => {
    const r = renderConnect();
    await openSource("Starfleet Pharmacy");
    await signIn("demo", "demo");
    await screen.findByRole("heading", { name: "Starfleet Pharmacy is connected" });
    fireEvent.click(screen.getByRole("button", { name: "Connect another source" }));
    await openSource("Cleveland Clinic");
    await signIn("demo", "demo");
    await screen.findByRole("heading", { name: "Cleveland Clinic is connected" });
    expect(r.messages("connected").at(-1)).toMatchObject({
      response: {
        status: "CONNECTED_SOURCE",
        sessionResults: { connectedSources: [STARFLEET, CLEVELAND], disconnectedSources: [] },
        currentConnections: [STARFLEET, CLEVELAND],
      },
    });
    fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(r.messages("close")[0]).toMatchObject({ status: "SUCCESS", currentConnections: [STARFLEET, CLEVELAND] });
  });

  it("shows wrong credentials on the form, keeps the username, clears the password", async () => {
    const r = renderConnect();
    await openSource("Starfleet Pharmacy");
    await signIn("demo", "wrong");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("The username or password is not correct.");
    expect((screen.getByLabelText("Username") as HTMLInputElement).value).toBe("demo");
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
    expect(r.events()).toContainEqual(expect.objectContaining({ name: "ERROR", data: expect.objectContaining({ errorCode: "INVALID_CREDENTIALS" }) }));
    expect(await axeViolations()).toEqual([]);
    expect(r.messages("connected")).toHaveLength(0);
  });

  it("shows a locked account on the error screen with a retry back to the form", async () => {
    renderConnect();
    await openSource("Starfleet Pharmacy");
    await signIn("locked", "demo");
    await screen.findByRole("heading", { name: "Something went wrong" });
    expect(screen.getByRole("alert").textContent).toMatch(/locked/);
    expect(await axeViolations()).toEqual([]);
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByLabelText("Username")).toBeTruthy();
  });

  it("explains an unavailable source", async () => {
    renderConnect();
    await openSource(ROMULAN.name);
    await signIn("demo", "demo");
    await screen.findByRole("heading", { name: "Something went wrong" });
    expect(screen.getByRole("alert").textContent).toBe("Romulan Health Plan is not available right now. Try again in a few minutes.");
  });

  it("explains a network failure, and Try again leads back to the form", async () => {
    const service = createFakeService();
    let offline = false;
    const flaky: typeof service.fetch = (input, init) =>
      offline ? Promise.reject(new TypeError("Failed to fetch")) : service.fetch(input, init);
    const r = renderConnect({ service: { ...service, fetch: flaky } });
    await openSource("Starfleet Pharmacy");
    offline = true;
    await signIn("demo", "demo");
    await screen.findByRole("heading", { name: "Something went wrong" });
    expect(screen.getByRole("alert").textContent).toMatch(/could not reach the service/);
    offline = false;
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    fireEvent.input(await screen.findByLabelText("Password"), { target: { value: "demo" } });
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await screen.findByRole("heading", { name: "Starfleet Pharmacy is connected" });
    expect(r.messages("close")).toHaveLength(0);
  });

  it("closes with SESSION_TOKEN_INVALID when the token stops working mid-session", async () => {
    const r = renderConnect();
    await openSource("Starfleet Pharmacy");
    r.service.state.token = "rotated";
    await signIn("demo", "demo");
    await waitFor(() => expect(r.messages("close")).toHaveLength(1));
    expect(r.messages("close")[0]).toMatchObject({ status: "SESSION_TOKEN_INVALID", currentConnections: [] });
  });

  it("shows progress with a live region while connecting", async () => {
    renderConnect();
    await openSource("Starfleet Pharmacy");
    await signIn("demo", "demo");
    expect(await screen.findByRole("heading", { name: "Connecting to Starfleet Pharmacy" })).toBeTruthy();
    expect(screen.getByRole("status").getAttribute("aria-live")).toBe("polite");
    expect(await axeViolations()).toEqual([]);
  });
});

describe("MFA", () => {
  it("asks for the code, rejects a wrong one, connects with the right one, and never leaks secrets in events", async () => {
    const r = renderConnect();
    await openSource(LABS.name);
    await signIn("mfa", "demo");
    const code = await screen.findByLabelText(/code/);
    await waitFor(() => expect(document.activeElement).toBe(code));
    expect(screen.getByText(/ending in 42/)).toBeTruthy();
    expect(await axeViolations()).toEqual([]);
    fireEvent.input(code, { target: { value: "987654" } });
    fireEvent.click(screen.getByRole("button", { name: "Verify" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/not correct/);
    fireEvent.input(screen.getByLabelText(/code/), { target: { value: "123456" } });
    fireEvent.click(screen.getByRole("button", { name: "Verify" }));
    await screen.findByRole("heading", { name: "Enterprise Medical Labs is connected" });
    expect(r.messages("connected")[0]).toMatchObject({ response: { sessionResults: { connectedSources: [LABS] } } });
    expect(r.events().map((e) => e.name)).toContain("MFA_REQUIRED");
    const eventsJson = JSON.stringify(r.events());
    for (const secret of ["123456", "987654", "demo", "good-token", "username", "password", "\"code\""]) {
      expect(eventsJson).not.toContain(secret);
    }
  });
});

describe("OAuth popup", () => {
  it("opens the authorize URL in a popup, acknowledges its code and redeems it with its own token", async () => {
    const r = renderConnect();
    await openSource(HOLODECK.name);
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(r.fakeWin.popups).toHaveLength(1));
    expect(r.fakeWin.popups[0]!.url).toBe("/oauth/authorize?attempt_id=att-1");
    await screen.findByText(/in the window that opened/);
    expect(await axeViolations()).toEqual([]);
    const code = r.service.authorizeAttempt("att-1");
    r.fakeWin.post({ ns: "human-connect-oauth", attempt_id: "att-1", status: "authorized", code });
    await screen.findByRole("heading", { name: "Holodeck Fitness is connected" });
    // The popup hears back (so it closes itself), from this window, at the service's origin only.
    expect(r.fakeWin.popups[0]!.received).toEqual([
      { message: { ns: "human-connect-oauth", attempt_id: "att-1", status: "received" }, targetOrigin: SERVICE_ORIGIN },
    ]);
    const completes = r.service.state.requests.filter((q) => q.path === "/v1/connect/oauth/complete");
    expect(completes.map((q) => [q.method, q.body, q.headers.authorization])).toEqual([["POST", { attempt_id: "att-1", code }, "Bearer good-token"]]);
    expect(r.messages("connected")).toEqual([
      {
        ns: "human-connect",
        v: 1,
        type: "connected",
        response: {
          status: "CONNECTED_SOURCE",
          sessionResults: { connectedSources: [HOLODECK], disconnectedSources: [] },
          currentConnections: [HOLODECK],
        },
      },
    ]);
    expect(r.events().map((e) => e.name)).toContain("OAUTH_POPUP_OPENED");
    expect(r.fakeWin.listenerCount()).toBe(0);
  });

  it("keeps redeeming when the popup closes right after its message", async () => {
    const r = renderConnect({ timings: { oauthPollMs: 5 } });
    await openSource(HOLODECK.name);
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(r.fakeWin.popups).toHaveLength(1));
    const code = r.service.authorizeAttempt("att-1");
    r.fakeWin.post({ ns: "human-connect-oauth", attempt_id: "att-1", status: "authorized", code });
    r.fakeWin.popups[0]!.close();
    await screen.findByRole("heading", { name: "Holodeck Fitness is connected" });
    expect(screen.queryByText("The sign-in window closed before you finished.")).toBeNull();
  });

  it("shows the failure the popup reports, after acknowledging it", async () => {
    const r = renderConnect({ timings: { oauthPollMs: 60_000 } });
    await openSource(HOLODECK.name);
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(r.fakeWin.popups).toHaveLength(1));
    r.service.state.attempts.get("att-1")!.status = "failed";
    r.fakeWin.post({ ns: "human-connect-oauth", attempt_id: "att-1", status: "failed" });
    await screen.findByRole("heading", { name: "Something went wrong" });
    expect(r.fakeWin.popups[0]!.received.map((m) => m.message)).toEqual([{ ns: "human-connect-oauth", attempt_id: "att-1", status: "received" }]);
    expect(r.service.state.requests.some((q) => q.path === "/v1/connect/oauth/complete")).toBe(false);
  });

  it("falls back to polling the attempt when no message arrives", async () => {
    const r = renderConnect();
    await openSource(HOLODECK.name);
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(r.fakeWin.popups).toHaveLength(1));
    r.service.completeAttempt("att-1");
    await screen.findByRole("heading", { name: "Holodeck Fitness is connected" });
  });

  it("ignores messages from another origin, another window of its origin, or about another attempt", async () => {
    const r = renderConnect({ timings: { oauthPollMs: 60_000 } });
    await openSource(HOLODECK.name);
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(r.fakeWin.popups).toHaveLength(1));
    const code = r.service.authorizeAttempt("att-1");
    const polls = () => r.service.state.requests.filter((q) => q.path.includes("/oauth/")).length;
    const before = polls();
    const authorized = { ns: "human-connect-oauth", attempt_id: "att-1", status: "authorized", code };
    r.fakeWin.post(authorized, "https://evil.example");
    r.fakeWin.post(authorized, SERVICE_ORIGIN, { postMessage() {} });
    r.fakeWin.post(authorized, SERVICE_ORIGIN, null);
    r.fakeWin.post({ ...authorized, attempt_id: "att-2" });
    r.fakeWin.post({ ...authorized, status: "connected" });
    r.fakeWin.post({ ns: "human-connect-oauth", attempt_id: "att-1", status: "failed" }, "https://evil.example");
    await new Promise((res) => setTimeout(res, 30));
    expect(polls()).toBe(before);
    expect(r.fakeWin.popups[0]!.received).toEqual([]);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Sign in to Holodeck Fitness");
    expect(r.messages("connected")).toEqual([]);
  });

  it("offers Try again when the popup is blocked, and reopens it from that click", async () => {
    const r = renderConnect();
    await openSource(HOLODECK.name);
    r.fakeWin.setBlocked(true);
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    const retry = await screen.findByRole("button", { name: "Try again" });
    expect(screen.getByText(/blocked the sign-in window/)).toBeTruthy();
    expect(r.events().map((e) => e.name)).toContain("OAUTH_POPUP_BLOCKED");
    expect(await axeViolations()).toEqual([]);
    r.fakeWin.setBlocked(false);
    fireEvent.click(retry);
    // Reopened synchronously inside the click, with the same attempt.
    expect(r.fakeWin.popups.map((p) => p.url)).toEqual(["/oauth/authorize?attempt_id=att-1"]);
    r.service.completeAttempt("att-1");
    await screen.findByRole("heading", { name: "Holodeck Fitness is connected" });
  });

  it("offers Try again when the popup closes before finishing", async () => {
    const r = renderConnect();
    await openSource(HOLODECK.name);
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(r.fakeWin.popups).toHaveLength(1));
    r.fakeWin.popups[0]!.close();
    await screen.findByText("The sign-in window closed before you finished.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });
});

describe("repairing a connection that needs re-authorisation", () => {
  it("marks it on the connections screen; Reconnect signs in again and reports a repair, not a second connection", async () => {
    const service = createFakeService({ connections: [STARFLEET, CLEVELAND], broken: [STARFLEET.id] });
    const r = renderConnect({ service });
    await searchReady();
    fireEvent.click(screen.getByRole("button", { name: "Your connections" }));
    await screen.findByRole("heading", { name: "Your connections" });
    expect(screen.getByText("Needs you to sign in again")).toBeTruthy();
    // One Reconnect, for the broken connection only, described by its row.
    const reconnect = screen.getByRole("button", { name: "Reconnect" });
    expect(reconnect.getAttribute("aria-describedby")).toBe(`hc-conn-${STARFLEET.id}`);
    expect(await axeViolations()).toEqual([]);
    fireEvent.click(reconnect);
    fireEvent.input(await screen.findByLabelText("Username"), { target: { value: "demo" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "demo" } });
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await screen.findByRole("heading", { name: "Starfleet Pharmacy is reconnected" });
    expect(r.messages("connected")).toEqual([
      {
        ns: "human-connect",
        v: 1,
        type: "connected",
        response: {
          status: "CONNECTED_SOURCE",
          sessionResults: { connectedSources: [STARFLEET], disconnectedSources: [] },
          currentConnections: [STARFLEET, CLEVELAND],
        },
      },
    ]);
    expect(r.messages("disconnected")).toEqual([]);
    const names = r.events().map((e) => e.name);
    expect(names).toContain("SOURCE_REPAIRED");
    expect(names).not.toContain("CONNECTED_SOURCE");
    fireEvent.click(screen.getByRole("button", { name: "Your connections" }));
    await screen.findByRole("heading", { name: "Your connections" });
    expect(screen.queryByRole("button", { name: "Reconnect" })).toBeNull();
  });

  it("opens straight on the sign-in of the source the page names with sourceId", async () => {
    const service = createFakeService({ connections: [STARFLEET], broken: [STARFLEET.id] });
    const r = renderConnect({ service, options: { sourceId: STARFLEET.id } });
    const username = await screen.findByLabelText("Username");
    expect(screen.getByRole("heading", { level: 1, name: /Starfleet Pharmacy/ })).toBeTruthy();
    fireEvent.input(username, { target: { value: "demo" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "demo" } });
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await screen.findByRole("heading", { name: "Starfleet Pharmacy is reconnected" });
    expect(r.events().map((e) => e.name)).toContain("SOURCE_REPAIRED");
  });

  it("shows the detail of a sourceId that is connected and active, and the search with an ERROR for an unknown one", async () => {
    renderConnect({ service: createFakeService({ connections: [STARFLEET] }), options: { sourceId: STARFLEET.id } });
    await screen.findByRole("button", { name: "Disconnect" });
    expect(screen.queryByRole("button", { name: "Reconnect" })).toBeNull();
    cleanup();
    const r = renderConnect({ service: createFakeService(), options: { sourceId: "0".repeat(24) } });
    await searchReady();
    await waitFor(() => expect(r.events().find((e) => e.name === "ERROR")?.data).toMatchObject({ errorCode: "SOURCE_NOT_FOUND" }));
  });

  it("opens the first screen with an ERROR for a sourceId that is unavailable", async () => {
    const r = renderConnect({ options: { sourceId: ROMULAN.id } });
    await searchReady();
    await waitFor(() =>
      expect(r.events().filter((e) => e.name === "ERROR").map((e) => e.data)).toEqual([
        { errorCode: "SOURCE_UNAVAILABLE", screen: "search", sourceId: ROMULAN.id },
      ]),
    );
    expect(screen.queryByLabelText("Username")).toBeNull();
  });

  it("goes back to search, not to the detail it never showed, from the sign-in a sourceId opened", async () => {
    renderConnect({ options: { sourceId: STARFLEET.id } });
    await screen.findByLabelText("Username");
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    await searchReady();
    expect(screen.getByRole("heading", { level: 1, name: "Find your health data sources" })).toBeTruthy();
    // A source opened from search afterwards goes back to its detail as usual.
    await openSource("Cleveland Clinic");
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await screen.findByLabelText("Username");
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    await screen.findByRole("heading", { level: 1, name: "Cleveland Clinic" });
  });

  it("speaks Spanish on the repair screens", async () => {
    renderConnect({ service: createFakeService({ connections: [STARFLEET], broken: [STARFLEET.id] }), options: { language: "es" } });
    await screen.findByRole("searchbox");
    fireEvent.click(await screen.findByRole("button", { name: "Tus conexiones" }));
    await screen.findByText("Debes iniciar sesión de nuevo");
    expect(screen.getByRole("button", { name: "Reconectar" })).toBeTruthy();
  });
});

describe("disconnecting", () => {
  it("asks for confirmation and sends the seed's disconnected payload", async () => {
    const r = renderConnect({ service: createFakeService({ connections: [STARFLEET, CLEVELAND] }) });
    await searchReady();
    fireEvent.click(screen.getByRole("button", { name: "Your connections" }));
    await screen.findByRole("heading", { name: "Your connections" });
    expect(await axeViolations()).toEqual([]);
    fireEvent.click(screen.getAllByRole("button", { name: "Disconnect" })[0]!);
    await screen.findByRole("heading", { name: "Disconnect Starfleet Pharmacy?" });
    expect(await axeViolations()).toEqual([]);
    expect(r.messages("disconnected")).toHaveLength(0);
    fireEvent.click(screen.getByRole("button", { name: "Disconnect" }));
    await screen.findByRole("heading", { name: "Starfleet Pharmacy is disconnected" });
    expect(r.messages("disconnected")).toEqual([
      {
        ns: "human-connect",
        v: 1,
        type: "disconnected",
        response: {
          status: "DISCONNECTED_SOURCE",
          sessionResults: { connectedSources: [], disconnectedSources: [STARFLEET] },
          currentConnections: [CLEVELAND],
        },
      },
    ]);
  });

  it("cancel leaves the source connected", async () => {
    const r = renderConnect({ service: createFakeService({ connections: [STARFLEET] }) });
    await openSource("Starfleet Pharmacy");
    fireEvent.click(screen.getByRole("button", { name: "Disconnect" }));
    fireEvent.click(await screen.findByRole("button", { name: "Cancel" }));
    await screen.findByRole("heading", { name: "Starfleet Pharmacy" });
    expect(r.messages("disconnected")).toHaveLength(0);
    expect(r.service.state.connections).toEqual([STARFLEET]);
  });
});

describe("token problems", () => {
  it.each([
    ["SESSION_TOKEN_INVALID", (s: ReturnType<typeof createFakeService>) => void (s.state.token = "other")],
    ["SESSION_TOKEN_EXPIRED", (s: ReturnType<typeof createFakeService>) => void (s.state.expired = true)],
  ])("closes with %s", async (status, breakIt) => {
    const service = createFakeService();
    breakIt(service);
    const r = renderConnect({ service, token: "good-token" });
    await waitFor(() => expect(r.messages("close")).toHaveLength(1));
    expect(r.messages("close")[0]).toEqual({ ns: "human-connect", v: 1, type: "close", status, currentConnections: [] });
    expect(r.messages("ready")).toHaveLength(0);
  });

  it("closes with MISSING_SESSION_TOKEN when the service says so", async () => {
    const service = createFakeService();
    const fetchWithoutAuth: typeof service.fetch = (input, init = {}) => {
      const headers = Object.fromEntries(Object.entries(init.headers ?? {}).filter(([k]) => k.toLowerCase() !== "authorization"));
      return service.fetch(input, { ...init, headers });
    };
    const r = renderConnect({ service: { ...service, fetch: fetchWithoutAuth } });
    await waitFor(() => expect(r.messages("close")).toHaveLength(1));
    expect(r.messages("close")[0]).toMatchObject({ status: "MISSING_SESSION_TOKEN" });
  });
});

describe("Spanish", () => {
  it("speaks Spanish when init asks for it", async () => {
    renderConnect({ options: { language: "es" } });
    expect(await screen.findByRole("searchbox", { name: /Buscar/ })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Cerrar" })).toBeTruthy();
  });
});

// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { createFakeService, HOLODECK, LABS, STARFLEET } from "./fake-service.ts";
import { renderConnect } from "./harness.tsx";

afterEach(() => cleanup());

describe("UI state persistence", () => {
  it("saves each step with {screen, sourceId, query, type} and never a password", async () => {
    const r = renderConnect();
    const box = await screen.findByRole("searchbox", { name: /Search/ });
    fireEvent.input(box, { target: { value: "star" } });
    fireEvent.click(await screen.findByRole("option", { name: "Starfleet Pharmacy" }));
    fireEvent.click(await screen.findByRole("button", { name: "Connect" }));
    fireEvent.input(await screen.findByLabelText("Username"), { target: { value: "someone" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "hunter2-secret" } });
    await waitFor(() =>
      expect(r.service.state.uiStates).toContainEqual({ screen: "credentials", sourceId: STARFLEET.id, query: "star", type: null }),
    );
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await screen.findByRole("alert");
    await new Promise((res) => setTimeout(res, 50));
    const saved = JSON.stringify(r.service.state.uiStates);
    expect(saved).not.toContain("hunter2-secret");
    expect(saved).not.toContain("someone");
    for (const s of r.service.state.uiStates) expect(Object.keys(s).sort()).toEqual(["query", "screen", "sourceId", "type"]);
  });

  it("debounces typing into one save of the last query", async () => {
    const r = renderConnect();
    const box = await screen.findByRole("searchbox", { name: /Search/ });
    await waitFor(() => expect(r.service.state.uiStates).toHaveLength(1));
    for (const q of ["c", "cl", "cle", "clev"]) fireEvent.input(box, { target: { value: q } });
    await waitFor(() => expect(r.service.state.uiState).toMatchObject({ query: "clev" }));
    await new Promise((res) => setTimeout(res, 50));
    expect(r.service.state.uiStates.map((s) => s.query)).toEqual(["", "clev"]);
  });

  it("saves the pending change before answering close-request", async () => {
    const r = renderConnect({ timings: { uiStateDebounceMs: 10_000 } });
    const box = await screen.findByRole("searchbox", { name: /Search/ });
    fireEvent.input(box, { target: { value: "holo" } });
    r.requestClose();
    expect(r.messages("close")).toHaveLength(1);
    await waitFor(() => expect(r.service.state.uiState).toMatchObject({ query: "holo" }));
    const put = r.service.state.requests.filter((q) => q.method === "PUT").at(-1);
    expect(put?.path).toBe("/v1/connect/ui-state");
  });

  it("resumes at the saved credentials step, with an empty password", async () => {
    const service = createFakeService({ uiState: { screen: "credentials", sourceId: STARFLEET.id, query: "star", type: "pharmacy" } });
    const r = renderConnect({ service });
    await screen.findByRole("heading", { name: "Sign in to Starfleet Pharmacy" });
    const username = screen.getByLabelText("Username") as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(username));
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
    await waitFor(() => expect(r.messages("ready")).toHaveLength(1));
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    fireEvent.click(await screen.findByRole("button", { name: "Back" }));
    const box = (await screen.findByRole("searchbox", { name: /Search/ })) as HTMLInputElement;
    expect(box.value).toBe("star");
    expect((screen.getByLabelText("Type") as HTMLSelectElement).value).toBe("pharmacy");
  });

  it("resumes at the MFA step with the saved challenge", async () => {
    const service = createFakeService({
      uiState: { screen: "mfa", sourceId: LABS.id, query: "", type: null, challenge: { challenge_id: "ch-1", prompt: "Code sent to 42", expires_in: 300 } },
    });
    service.state.challenges.set("ch-1", LABS);
    const r = renderConnect({ service });
    fireEvent.input(await screen.findByLabelText("Verification code"), { target: { value: "123456" } });
    fireEvent.click(screen.getByRole("button", { name: "Verify" }));
    await screen.findByRole("heading", { name: "Enterprise Medical Labs is connected" });
    expect(r.messages("connected")).toHaveLength(1);
  });

  it("resumes at the OAuth step waiting for a click (a popup needs one)", async () => {
    const service = createFakeService({ uiState: { screen: "oauth", sourceId: HOLODECK.id, query: "", type: null } });
    const r = renderConnect({ service });
    await screen.findByRole("heading", { name: "Sign in to Holodeck Fitness" });
    expect(r.fakeWin.popups).toHaveLength(0);
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(r.fakeWin.popups).toHaveLength(1));
  });

  it.each([
    [{ screen: "credentials", sourceId: "../../session" }],
    [{ screen: "<img src=x>", sourceId: STARFLEET.id }],
    [{ screen: "done", sourceId: STARFLEET.id }],
    [{ screen: 42 }],
  ])("starts at search for a saved state it cannot use: %j", async (uiState) => {
    renderConnect({ service: createFakeService({ uiState }) });
    expect(await screen.findByRole("searchbox", { name: /Search/ })).toBeTruthy();
  });
});

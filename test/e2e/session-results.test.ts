// One definition of session results: connecting, disconnecting and connecting a source again in one session gives
// the page's onClose and the `connect.session_closed` webhook the same `{connectedSources, disconnectedSources}`.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { ConnectSource } from "../../src/protocol/results.ts";
import { startReceiver, type TestReceiver } from "../webhooks/receiver.ts";
import { app, chooseSource, closeFromApp, describeE2E, openConnect, signIn, startE2E, waitForCall, type E2EEnv } from "./support.ts";

const starfleet: ConnectSource = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };

describeE2E("session results", () => {
  let env: E2EEnv;
  let receiver: TestReceiver;

  beforeAll(async () => {
    env = await startE2E();
    receiver = await startReceiver(200);
    const res = await fetch(`${env.serviceUrl}/v1/webhook-endpoint`, {
      method: "PUT",
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${Buffer.from(`${env.clientId}:${env.clientSecret}`).toString("base64")}`,
      },
      body: JSON.stringify({ url: `${receiver.url}/hooks` }),
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await env?.close();
    await receiver?.close();
  });

  test("connect, disconnect and connect again: the webhook's session_results equal onClose's sessionResults", async () => {
    const page = await env.newPage();
    await openConnect(page, await env.sessionToken());
    await chooseSource(page, starfleet.name);
    await signIn(page, "demo", "demo");
    await waitForCall(page, "onConnectSource");

    const a = app(page);
    await a.getByRole("button", { name: "Connect another source" }).click();
    await a.getByRole("button", { name: "Your connections" }).click();
    await a.getByRole("listitem").filter({ hasText: starfleet.name }).getByRole("button", { name: "Disconnect" }).click();
    await a.getByRole("button", { name: "Disconnect", exact: true }).click();
    await waitForCall(page, "onDisconnectSource");

    await a.getByRole("button", { name: "Connect another source" }).click();
    await chooseSource(page, starfleet.name);
    await signIn(page, "demo", "demo");
    await waitForCall(page, "onConnectSource", 1);

    const closed = await closeFromApp(page);
    expect(closed.sessionResults).toStrictEqual({ connectedSources: [starfleet], disconnectedSources: [starfleet] });

    const deadline = Date.now() + 10_000;
    let event: { data: { session_results: unknown; current_connections: unknown; status: string } } | undefined;
    while (!event && Date.now() < deadline) {
      event = receiver.requests.map((r) => JSON.parse(r.body)).find((b: { type: string }) => b.type === "connect.session_closed");
      if (!event) await new Promise((r) => setTimeout(r, 100));
    }
    expect(event, "connect.session_closed was not delivered").toBeDefined();
    expect(event!.data.status).toBe(closed.status);
    expect(event!.data.session_results).toStrictEqual(closed.sessionResults);
    expect(event!.data.current_connections).toStrictEqual(closed.currentConnections);
  });
});

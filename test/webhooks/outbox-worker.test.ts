// The webhook worker against the service's real store (SQLite in a temp dir) through `workerOutbox`, the adapter the
// service runs it with: rows go in and are read back through the store's interface only.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretBox } from "../../src/server/security/crypto.ts";
import { openStore } from "../../src/server/store/open-store.ts";
import type { Store, WebhookDeliveryRecord } from "../../src/server/store/types.ts";
import { workerOutbox } from "../../src/server/webhooks/endpoints.ts";
import { createWebhookMessage, parseWebhookEvent, type WebhookMessage } from "../../src/server/webhooks/events.ts";
import { startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from "../../src/server/webhooks/outbox-worker.ts";
import { MAX_DELIVERY_ATTEMPTS, RETRY_DELAYS_MS } from "../../src/server/webhooks/schedule.ts";
import { generateWebhookSecret, verifyWebhook } from "../../src/server/webhooks/signature.ts";
import { startReceiver, type ReceivedRequest, type TestReceiver } from "./receiver.ts";
import { ManualClock } from "../../src/server/clock.ts";

const START = Date.UTC(2025, 0, 15, 12, 0, 0);
const TIMEOUT_MS = 250;

let dir: string;
let store: Store;
let secrets: SecretBox;
let clock: ManualClock;
let receiver: TestReceiver;
const workers: WebhookWorker[] = [];
/** The client of each endpoint (one endpoint per client), and of each message. */
const clientOfEndpoint = new Map<string, string>();
const clientOfMessage = new Map<string, string>();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "hc-outbox-"));
  ({ store } = await openStore({ dataDir: dir }));
  secrets = new SecretBox(randomBytes(32));
  clock = new ManualClock(START);
  receiver = await startReceiver();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await receiver.close();
  await store.close();
  clientOfEndpoint.clear();
  clientOfMessage.clear();
  rmSync(dir, { recursive: true, force: true });
});

/** Closes the store and opens the same database again, as a restarted service does. */
async function reopenStore(): Promise<void> {
  await store.close();
  ({ store } = await openStore({ dataDir: dir }));
}

function start(overrides: Partial<WebhookWorkerOptions> = {}): WebhookWorker {
  const worker = startWebhookWorker({
    store: workerOutbox(store, secrets),
    clock,
    intervalMs: 15,
    timeoutMs: TIMEOUT_MS,
    logger: false,
    // The receiver listens on 127.0.0.1.
    allowPrivate: true,
    // Middle of the jitter range: every wait is exactly the nominal one.
    random: () => 0.5,
    ...overrides,
  });
  workers.push(worker);
  return worker;
}

/** A client with an enabled endpoint whose `whsec_` secret is stored encrypted, as the service stores it. */
async function addEndpoint(endpointId: string, url: string, secret: string): Promise<void> {
  const clientId = `client_${endpointId}`;
  const now = clock.now();
  await store.clients.insert(
    {
      clientId,
      name: clientId,
      primaryColor: null,
      logoUrl: null,
      allowedOrigins: [],
      permissions: { idTokens: true, clientTokens: false },
      disabled: false,
      redirectUrl: null,
      createdAt: now,
    },
    secrets.encrypt("client-secret"),
  );
  await store.webhooks.insertEndpoint(clientId, { endpointId, url, enabled: true, disabledReason: null, createdAt: now, updatedAt: now }, secrets.encrypt(secret));
  clientOfEndpoint.set(endpointId, clientId);
}

async function enqueue(endpointId: string, message: WebhookMessage): Promise<void> {
  const clientId = clientOfEndpoint.get(endpointId)!;
  await store.webhooks.enqueue({ messageId: message.id, endpointId, clientId, eventType: message.type, body: message.body, now: clock.now() });
  clientOfMessage.set(message.id, clientId);
}

/** The message as the delivery log shows it: state, attempts and the attempt log. */
async function delivery(messageId: string): Promise<WebhookDeliveryRecord | undefined> {
  const { deliveries } = await store.webhooks.listDeliveries(clientOfMessage.get(messageId)!, 100, 0);
  return deliveries.find((d) => d.messageId === messageId);
}

async function attemptsOf(messageId: string): Promise<WebhookDeliveryRecord["log"]> {
  return (await delivery(messageId))?.log ?? [];
}

function engagedMessage(clientUserId: string): WebhookMessage {
  return createWebhookMessage("user.engaged", { client_user_id: clientUserId, human_id: `h_${clientUserId}`, via: "invite_link" }, clock.now());
}

/** Waits until the receiver has seen `count` requests and checks the newest one's signature at the current clock. */
async function waitForRequests(count: number, secret: string, path?: string): Promise<ReceivedRequest> {
  const seen = () => receiver.requests.filter((request) => path === undefined || request.path === path);
  await vi.waitFor(() => expect(seen().length).toBeGreaterThanOrEqual(count), { timeout: 5000, interval: 10 });
  const request = seen()[count - 1]!;
  verifyWebhook({ headers: request.headers, body: request.body, secret, now: clock.now() });
  return request;
}

async function waitForState(messageId: string, state: string, attempts: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const row = await delivery(messageId);
      expect(row?.state).toBe(state);
      expect(row?.attempts).toBe(attempts);
    },
    { timeout: 5000, interval: 10 },
  );
}

describe("webhook outbox worker", () => {
  it("delivers through a timeout and a 500 to a 200 with one stable webhook-id and valid signatures", async () => {
    const secret = generateWebhookSecret();
    await addEndpoint("ep_1", `${receiver.url}/hooks`, secret);
    receiver.script.push("hang", 500);
    const message = engagedMessage("user-1");
    await enqueue("ep_1", message);
    const worker = start();
    worker.poke();

    const first = await waitForRequests(1, secret);
    await waitForState(message.id, "pending", 1);
    expect((await attemptsOf(message.id))[0]).toMatchObject({ outcome: "retry", status: null, error: `timeout after ${TIMEOUT_MS} ms` });

    // Not due yet: nothing is sent before the 5 s wait has passed.
    clock.advance(RETRY_DELAYS_MS[0]! - 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.requests).toHaveLength(1);

    clock.advance(1);
    const second = await waitForRequests(2, secret);
    await waitForState(message.id, "pending", 2);
    expect((await attemptsOf(message.id))[1]).toMatchObject({ outcome: "retry", status: 500, error: "HTTP 500" });

    clock.advance(RETRY_DELAYS_MS[1]!);
    const third = await waitForRequests(3, secret);
    await waitForState(message.id, "delivered", 3);

    const ids = [first, second, third].map((request) => request.headers["webhook-id"]);
    expect(ids).toEqual([message.id, message.id, message.id]);
    expect(new Set([first, second, third].map((request) => request.body))).toEqual(new Set([message.body]));
    // Each attempt is signed at its own time so that a receiver's 5-minute tolerance accepts late retries.
    expect(Number(third.headers["webhook-timestamp"])).toBe(Math.floor(clock.now() / 1000));
    expect(Number(first.headers["webhook-timestamp"])).toBe(Math.floor(START / 1000));
    expect(parseWebhookEvent(JSON.parse(third.body))).toEqual({
      type: "user.engaged",
      timestamp: new Date(START).toISOString(),
      data: { client_user_id: "user-1", human_id: "h_user-1", via: "invite_link" },
    });
    expect((await attemptsOf(message.id)).map((attempt) => [attempt.attempt, attempt.outcome, attempt.at])).toEqual([
      [1, "retry", START],
      [2, "retry", START + RETRY_DELAYS_MS[0]!],
      [3, "delivered", START + RETRY_DELAYS_MS[0]! + RETRY_DELAYS_MS[1]!],
    ]);

    // Delivered means delivered: later polls send nothing more.
    clock.advance(RETRY_DELAYS_MS[2]!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.requests).toHaveLength(3);
  });

  it("gets several events through a flaky receiver, each with its own stable id", async () => {
    const endpointSecrets = ["a", "b", "c"].map(() => generateWebhookSecret());
    const messages: WebhookMessage[] = [];
    for (const [index, secret] of endpointSecrets.entries()) {
      await addEndpoint(`ep_${index}`, `${receiver.url}/client-${index}`, secret);
      receiver.scriptFor.set(`/client-${index}`, ["hang", 500]);
      const message = engagedMessage(`user-${index}`);
      await enqueue(`ep_${index}`, message);
      messages.push(message);
    }
    start();

    for (const message of messages) await waitForState(message.id, "pending", 1);
    clock.advance(RETRY_DELAYS_MS[0]!);
    for (const message of messages) await waitForState(message.id, "pending", 2);
    clock.advance(RETRY_DELAYS_MS[1]!);
    for (const message of messages) await waitForState(message.id, "delivered", 3);

    messages.forEach((message, index) => {
      const requests = receiver.requests.filter((request) => request.path === `/client-${index}`);
      expect(requests.map((request) => request.answer)).toEqual(["hang", 500, 200]);
      expect(new Set(requests.map((request) => request.headers["webhook-id"]))).toEqual(new Set([message.id]));
      const last = requests[2]!;
      expect(verifyWebhook({ headers: last.headers, body: last.body, secret: endpointSecrets[index]!, now: clock.now() }).id).toBe(message.id);
      // Another endpoint's secret does not verify it.
      expect(() => verifyWebhook({ headers: last.headers, body: last.body, secret: endpointSecrets[(index + 1) % 3]!, now: clock.now() })).toThrow();
    });
  });

  it("disables the endpoint when the receiver answers 410, and sends it nothing more", async () => {
    const secret = generateWebhookSecret();
    await addEndpoint("ep_gone", receiver.url, secret);
    receiver.script.push(410);
    const first = engagedMessage("user-1");
    await enqueue("ep_gone", first);
    const worker = start();

    await waitForState(first.id, "failed", 1);
    await vi.waitFor(async () => expect((await store.webhooks.getEndpoint("client_ep_gone"))?.disabledReason).toMatch(/410/), {
      timeout: 2000,
      interval: 10,
    });

    const second = engagedMessage("user-2");
    await enqueue("ep_gone", second);
    worker.poke();
    clock.advance(RETRY_DELAYS_MS[0]!);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(receiver.requests).toHaveLength(1);
    expect(await delivery(second.id)).toMatchObject({ state: "pending", attempts: 0, log: [] });
  });

  it("loses nothing when the service restarts in the middle of retries", async () => {
    const secret = generateWebhookSecret();
    await addEndpoint("ep_1", receiver.url, secret);
    receiver.script.push(500, 503);
    const message = engagedMessage("user-1");
    await enqueue("ep_1", message);
    const worker = start();
    await waitForState(message.id, "pending", 1);
    clock.advance(RETRY_DELAYS_MS[0]!);
    await waitForState(message.id, "pending", 2);

    await worker.stop();
    await reopenStore();
    expect(await delivery(message.id)).toMatchObject({ state: "pending", attempts: 2 });

    start();
    clock.advance(RETRY_DELAYS_MS[1]!);
    await waitForState(message.id, "delivered", 3);
    const request = await waitForRequests(3, secret);
    expect(receiver.requests.map((r) => r.headers["webhook-id"])).toEqual([message.id, message.id, message.id]);
    expect(request.body).toBe(message.body);
    expect((await attemptsOf(message.id)).map((attempt) => attempt.status)).toEqual([500, 503, 200]);
  });

  it("retries a message whose worker died mid-attempt once the claim's lease runs out", async () => {
    const secret = generateWebhookSecret();
    await addEndpoint("ep_1", receiver.url, secret);
    const message = engagedMessage("user-1");
    await enqueue("ep_1", message);

    // A worker claims the row and dies before recording anything.
    const leaseMs = 60_000;
    expect(await workerOutbox(store, secrets).claimDue(clock.now(), 10, leaseMs)).toHaveLength(1);
    await reopenStore();

    start({ leaseMs });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.requests).toHaveLength(0);
    clock.advance(leaseMs);
    await waitForState(message.id, "delivered", 1);
    expect(receiver.requests.map((r) => r.headers["webhook-id"])).toEqual([message.id]);
  });

  it("marks a message failed after the last scheduled attempt", async () => {
    const secret = generateWebhookSecret();
    await addEndpoint("ep_1", receiver.url, secret);
    receiver.fallback = 500;
    const message = engagedMessage("user-1");
    await enqueue("ep_1", message);
    start();
    for (let attempt = 1; attempt < MAX_DELIVERY_ATTEMPTS; attempt++) {
      await waitForState(message.id, "pending", attempt);
      clock.advance(RETRY_DELAYS_MS[attempt - 1]!);
    }
    await waitForState(message.id, "failed", MAX_DELIVERY_ATTEMPTS);
    expect(receiver.requests).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([message.id]));
    const attempts = await attemptsOf(message.id);
    expect(attempts.at(-1)!.at - attempts[0]!.at).toBe(RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0));
  });

  it("keeps deliveries in flight within the concurrency bound", async () => {
    const secret = generateWebhookSecret();
    await addEndpoint("ep_1", receiver.url, secret);
    receiver.fallback = { status: 200, delayMs: 120 };
    const messages = Array.from({ length: 6 }, (_, index) => engagedMessage(`user-${index}`));
    for (const message of messages) await enqueue("ep_1", message);
    start({ concurrency: 2 });
    for (const message of messages) await waitForState(message.id, "delivered", 1);
    expect(receiver.maxConcurrent).toBe(2);
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size).toBe(6);
  });

  it("two workers on one outbox deliver each message exactly once", async () => {
    const secret = generateWebhookSecret();
    await addEndpoint("ep_1", receiver.url, secret);
    receiver.fallback = { status: 200, delayMs: 20 };
    const messages = Array.from({ length: 12 }, (_, index) => engagedMessage(`user-${index}`));
    for (const message of messages) await enqueue("ep_1", message);
    start({ concurrency: 3 });
    start({ concurrency: 3 });
    for (const message of messages) await waitForState(message.id, "delivered", 1);
    const ids = receiver.requests.map((r) => r.headers["webhook-id"]);
    expect(ids).toHaveLength(12);
    expect(new Set(ids)).toEqual(new Set(messages.map((message) => message.id)));
  });

  it("stop() waits for the delivery in flight to be recorded, then polls no more", async () => {
    const secret = generateWebhookSecret();
    await addEndpoint("ep_1", receiver.url, secret);
    receiver.script.push({ status: 200, delayMs: 300 });
    const message = engagedMessage("user-1");
    await enqueue("ep_1", message);
    const worker = start({ timeoutMs: 5000 });
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(1), { timeout: 2000, interval: 5 });
    expect(worker.inFlight).toBe(1);

    await worker.stop();
    expect(worker.inFlight).toBe(0);
    expect(await delivery(message.id)).toMatchObject({ state: "delivered", attempts: 1 });

    const later = engagedMessage("user-2");
    await enqueue("ep_1", later);
    worker.poke();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.requests).toHaveLength(1);
  });

  it("keeps polling after the store fails once", async () => {
    const secret = generateWebhookSecret();
    await addEndpoint("ep_1", receiver.url, secret);
    const message = engagedMessage("user-1");
    await enqueue("ep_1", message);
    const errors: string[] = [];
    let failNext = true;
    const outbox = workerOutbox(store, secrets);
    const flakyStore = {
      ...outbox,
      claimDue: (now: number, limit: number, leaseMs: number) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error("database is locked"));
        }
        return outbox.claimDue(now, limit, leaseMs);
      },
    };
    start({ store: flakyStore, logger: { info() {}, warn() {}, error: (_obj, msg) => errors.push(String(msg)) } });
    await waitForState(message.id, "delivered", 1);
    expect(errors).toEqual(["webhook outbox poll failed"]);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWebhookMessage, parseWebhookEvent } from "../../src/server/webhooks/events.ts";
import { startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from "../../src/server/webhooks/outbox-worker.ts";
import { MAX_DELIVERY_ATTEMPTS, RETRY_DELAYS_MS } from "../../src/server/webhooks/schedule.ts";
import { generateWebhookSecret, verifyWebhook } from "../../src/server/webhooks/signature.ts";
import { startReceiver, type ReceivedRequest, type TestReceiver } from "./receiver.ts";
import { ManualClock } from "../../src/server/clock.ts";
import { SqliteOutboxStore } from "./sqlite-outbox-store.ts";

const START = Date.UTC(2025, 0, 15, 12, 0, 0);
const TIMEOUT_MS = 250;

let dir: string;
let dbFile: string;
let store: SqliteOutboxStore;
let clock: ManualClock;
let receiver: TestReceiver;
const workers: WebhookWorker[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "hc-outbox-"));
  dbFile = join(dir, "outbox.sqlite");
  store = new SqliteOutboxStore(dbFile);
  clock = new ManualClock(START);
  receiver = await startReceiver();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await receiver.close();
  try {
    store.close();
  } catch {
    // already closed by the test
  }
  rmSync(dir, { recursive: true, force: true });
});

function start(overrides: Partial<WebhookWorkerOptions> = {}): WebhookWorker {
  const worker = startWebhookWorker({
    store,
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

function engagedMessage(clientUserId: string) {
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
    () => {
      const row = store.message(messageId);
      expect(row?.state).toBe(state);
      expect(row?.attempts).toBe(attempts);
    },
    { timeout: 5000, interval: 10 },
  );
}

describe("webhook outbox worker", () => {
  it("delivers through a timeout and a 500 to a 200 with one stable webhook-id and valid signatures", async () => {
    const secret = generateWebhookSecret();
    store.addEndpoint("ep_1", `${receiver.url}/hooks`, secret);
    receiver.script.push("hang", 500);
    const message = engagedMessage("user-1");
    store.enqueue("ep_1", message.id, message.body, clock.now());
    const worker = start();
    worker.poke();

    const first = await waitForRequests(1, secret);
    await waitForState(message.id, "pending", 1);
    expect(store.attemptsOf(message.id)[0]).toMatchObject({ outcome: "retry", status: null, error: `timeout after ${TIMEOUT_MS} ms` });

    // Not due yet: nothing is sent before the 5 s wait has passed.
    clock.advance(RETRY_DELAYS_MS[0]! - 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.requests).toHaveLength(1);

    clock.advance(1);
    const second = await waitForRequests(2, secret);
    await waitForState(message.id, "pending", 2);
    expect(store.attemptsOf(message.id)[1]).toMatchObject({ outcome: "retry", status: 500, error: "HTTP 500" });

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
    expect(store.attemptsOf(message.id).map((attempt) => [attempt.attempt, attempt.outcome, attempt.at])).toEqual([
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
    const secrets = ["a", "b", "c"].map(() => generateWebhookSecret());
    const messages = secrets.map((secret, index) => {
      store.addEndpoint(`ep_${index}`, `${receiver.url}/client-${index}`, secret);
      receiver.scriptFor.set(`/client-${index}`, ["hang", 500]);
      const message = engagedMessage(`user-${index}`);
      store.enqueue(`ep_${index}`, message.id, message.body, clock.now());
      return message;
    });
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
      expect(verifyWebhook({ headers: last.headers, body: last.body, secret: secrets[index]!, now: clock.now() }).id).toBe(message.id);
      // Another endpoint's secret does not verify it.
      expect(() => verifyWebhook({ headers: last.headers, body: last.body, secret: secrets[(index + 1) % 3]!, now: clock.now() })).toThrow();
    });
  });

  it("disables the endpoint when the receiver answers 410, and sends it nothing more", async () => {
    const secret = generateWebhookSecret();
    store.addEndpoint("ep_gone", receiver.url, secret);
    receiver.script.push(410);
    const first = engagedMessage("user-1");
    store.enqueue("ep_gone", first.id, first.body, clock.now());
    const worker = start();

    await waitForState(first.id, "failed", 1);
    await vi.waitFor(() => expect(store.endpoint("ep_gone")?.disabled_reason).toMatch(/410/), { timeout: 2000, interval: 10 });

    const second = engagedMessage("user-2");
    store.enqueue("ep_gone", second.id, second.body, clock.now());
    worker.poke();
    clock.advance(RETRY_DELAYS_MS[0]!);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(receiver.requests).toHaveLength(1);
    expect(store.message(second.id)).toMatchObject({ state: "pending", attempts: 0 });
  });

  it("loses nothing when the service restarts in the middle of retries", async () => {
    const secret = generateWebhookSecret();
    store.addEndpoint("ep_1", receiver.url, secret);
    receiver.script.push(500, 503);
    const message = engagedMessage("user-1");
    store.enqueue("ep_1", message.id, message.body, clock.now());
    const worker = start();
    await waitForState(message.id, "pending", 1);
    clock.advance(RETRY_DELAYS_MS[0]!);
    await waitForState(message.id, "pending", 2);

    await worker.stop();
    store.close();
    store = new SqliteOutboxStore(dbFile);
    expect(store.message(message.id)).toMatchObject({ state: "pending", attempts: 2 });

    start();
    clock.advance(RETRY_DELAYS_MS[1]!);
    await waitForState(message.id, "delivered", 3);
    const request = await waitForRequests(3, secret);
    expect(receiver.requests.map((r) => r.headers["webhook-id"])).toEqual([message.id, message.id, message.id]);
    expect(request.body).toBe(message.body);
    expect(store.attemptsOf(message.id).map((attempt) => attempt.status)).toEqual([500, 503, 200]);
  });

  it("retries a message whose worker died mid-attempt once the claim's lease runs out", async () => {
    const secret = generateWebhookSecret();
    store.addEndpoint("ep_1", receiver.url, secret);
    const message = engagedMessage("user-1");
    store.enqueue("ep_1", message.id, message.body, clock.now());

    // A worker claims the row and dies before recording anything.
    const leaseMs = 60_000;
    expect(await store.claimDue(clock.now(), 10, leaseMs)).toHaveLength(1);
    store.close();
    store = new SqliteOutboxStore(dbFile);

    start({ leaseMs });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.requests).toHaveLength(0);
    clock.advance(leaseMs);
    await waitForState(message.id, "delivered", 1);
    expect(receiver.requests.map((r) => r.headers["webhook-id"])).toEqual([message.id]);
  });

  it("marks a message failed after the last scheduled attempt", async () => {
    const secret = generateWebhookSecret();
    store.addEndpoint("ep_1", receiver.url, secret);
    receiver.fallback = 500;
    const message = engagedMessage("user-1");
    store.enqueue("ep_1", message.id, message.body, clock.now());
    start();
    for (let attempt = 1; attempt < MAX_DELIVERY_ATTEMPTS; attempt++) {
      await waitForState(message.id, "pending", attempt);
      clock.advance(RETRY_DELAYS_MS[attempt - 1]!);
    }
    await waitForState(message.id, "failed", MAX_DELIVERY_ATTEMPTS);
    expect(receiver.requests).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([message.id]));
    const attempts = store.attemptsOf(message.id);
    expect(attempts.at(-1)!.at - attempts[0]!.at).toBe(RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0));
  });

  it("keeps deliveries in flight within the concurrency bound", async () => {
    const secret = generateWebhookSecret();
    store.addEndpoint("ep_1", receiver.url, secret);
    receiver.fallback = { status: 200, delayMs: 120 };
    const messages = Array.from({ length: 6 }, (_, index) => engagedMessage(`user-${index}`));
    for (const message of messages) store.enqueue("ep_1", message.id, message.body, clock.now());
    start({ concurrency: 2 });
    for (const message of messages) await waitForState(message.id, "delivered", 1);
    expect(receiver.maxConcurrent).toBe(2);
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size).toBe(6);
  });

  it("stop() waits for the delivery in flight to be recorded, then polls no more", async () => {
    const secret = generateWebhookSecret();
    store.addEndpoint("ep_1", receiver.url, secret);
    receiver.script.push({ status: 200, delayMs: 300 });
    const message = engagedMessage("user-1");
    store.enqueue("ep_1", message.id, message.body, clock.now());
    const worker = start({ timeoutMs: 5000 });
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(1), { timeout: 2000, interval: 5 });
    expect(worker.inFlight).toBe(1);

    await worker.stop();
    expect(worker.inFlight).toBe(0);
    expect(store.message(message.id)).toMatchObject({ state: "delivered", attempts: 1 });

    const later = engagedMessage("user-2");
    store.enqueue("ep_1", later.id, later.body, clock.now());
    worker.poke();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.requests).toHaveLength(1);
  });

  it("keeps polling after the store fails once", async () => {
    const secret = generateWebhookSecret();
    store.addEndpoint("ep_1", receiver.url, secret);
    const message = engagedMessage("user-1");
    store.enqueue("ep_1", message.id, message.body, clock.now());
    const errors: string[] = [];
    let failNext = true;
    const flakyStore = {
      claimDue: (now: number, limit: number, leaseMs: number) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error("database is locked"));
        }
        return store.claimDue(now, limit, leaseMs);
      },
      markDelivered: store.markDelivered.bind(store),
      markRetry: store.markRetry.bind(store),
      markFailed: store.markFailed.bind(store),
      disableEndpoint: store.disableEndpoint.bind(store),
    };
    start({ store: flakyStore, logger: { info() {}, warn() {}, error: (_obj, msg) => errors.push(String(msg)) } });
    await waitForState(message.id, "delivered", 1);
    expect(errors).toEqual(["webhook outbox poll failed"]);
  });
});

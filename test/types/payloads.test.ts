// Type tests of the public API: checked by `tsc --noEmit` (expectTypeOf and @ts-expect-error are no-ops at run time).
// The run-time payloads are asserted field by field in test/loader and test/e2e against the same shapes.
import { expectTypeOf, test } from "vitest";
import HumanConnect, { close, open, preload } from "../../src/loader/index.ts";
import { createFakeConnect } from "../../src/testing/index.ts";
import { useHumanConnect, type UseHumanConnect, type UseHumanConnectOptions } from "../../src/react/index.ts";
import type {
  CloseResponse,
  CloseStatus,
  ConnectEvent,
  ConnectEventName,
  ConnectHandle,
  ConnectSource,
  ConnectSourceResponse,
  DisconnectSourceResponse,
  HumanConnectApi,
  OpenOptions,
  SessionResults,
} from "../../src/loader/index.ts";

type Source = { name: string; id: string };
type Results = { connectedSources: Source[]; disconnectedSources: Source[] };

test("payload types are exactly the Connect reference's shapes", () => {
  expectTypeOf<ConnectSource>().toEqualTypeOf<Source>();
  expectTypeOf<SessionResults>().toEqualTypeOf<Results>();
  expectTypeOf<CloseResponse>().toEqualTypeOf<{ status: CloseStatus; sessionResults: Results; currentConnections: Source[] }>();
  expectTypeOf<ConnectSourceResponse>().toEqualTypeOf<{
    status: "CONNECTED_SOURCE";
    sessionResults: Results;
    currentConnections: Source[];
  }>();
  expectTypeOf<DisconnectSourceResponse>().toEqualTypeOf<{
    status: "DISCONNECTED_SOURCE";
    sessionResults: Results;
    currentConnections: Source[];
  }>();
  expectTypeOf<CloseStatus>().toEqualTypeOf<
    | "SUCCESS"
    | "SESSION_TOKEN_INVALID"
    | "SESSION_TOKEN_EXPIRED"
    | "MISSING_SESSION_TOKEN"
    | "ORIGIN_NOT_ALLOWED"
    | "PROTOCOL_VERSION_MISMATCH"
    | "CONNECT_UNAVAILABLE"
  >();
  expectTypeOf<ConnectEvent["name"]>().toEqualTypeOf<ConnectEventName>();
  expectTypeOf<"CONNECTED_SOURCE">().toMatchTypeOf<ConnectEventName>();

  // The seed's example response.
  const seedExample = {
    status: "SUCCESS",
    sessionResults: {
      connectedSources: [
        { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" },
        { name: "Cleveland Clinic", id: "54dc427aaa6b4cb7d6203061" },
      ],
      disconnectedSources: [],
    },
    currentConnections: [
      { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" },
      { name: "Cleveland Clinic", id: "54dc427aaa6b4cb7d6203061" },
    ],
  } satisfies CloseResponse;
  expectTypeOf(seedExample).toMatchTypeOf<CloseResponse>();

  // @ts-expect-error a connect callback's status is not a close status
  const wrongStatus: ConnectSourceResponse = { ...seedExample, status: "SUCCESS" };
  // @ts-expect-error sources need both name and id
  const missingId: ConnectSource = { name: "Starfleet Pharmacy" };
  // @ts-expect-error statuses are a closed list
  const unknownStatus: CloseStatus = "CLOSED";
  void [wrongStatus, missingId, unknownStatus];
});

test("callbacks receive those payloads and open() returns a handle", () => {
  expectTypeOf<Parameters<NonNullable<OpenOptions["onClose"]>>[0]>().toEqualTypeOf<CloseResponse>();
  expectTypeOf<Parameters<NonNullable<OpenOptions["onConnectSource"]>>[0]>().toEqualTypeOf<ConnectSourceResponse>();
  expectTypeOf<Parameters<NonNullable<OpenOptions["onDisconnectSource"]>>[0]>().toEqualTypeOf<DisconnectSourceResponse>();
  expectTypeOf<Parameters<NonNullable<OpenOptions["onEvent"]>>[0]>().toEqualTypeOf<ConnectEvent>();
  expectTypeOf<OpenOptions["token"]>().toEqualTypeOf<string>();
  expectTypeOf(open).returns.toEqualTypeOf<ConnectHandle>();
  expectTypeOf<ConnectHandle["ready"]>().toEqualTypeOf<Promise<void>>();
  expectTypeOf(HumanConnect.open).toEqualTypeOf(open);
  expectTypeOf(HumanConnect.close).toEqualTypeOf(close);
  expectTypeOf(HumanConnect.preload).toEqualTypeOf(preload);

  const typed = (fn: () => void) => fn;
  typed(() =>
    open({
      token: "t",
      onClose: (r) => expectTypeOf(r.status).toEqualTypeOf<CloseStatus>(),
      onConnectSource: (r) => expectTypeOf(r.sessionResults.connectedSources).toEqualTypeOf<ConnectSource[]>(),
    }),
  );
  // @ts-expect-error token is required
  typed(() => open({ clientId: "c" }));
  // @ts-expect-error options are checked
  typed(() => open({ token: "t", onClose: 1 }));
  // @ts-expect-error the handle has no other methods
  typed(() => open({ token: "t" }).destroy());
  // Inline mode and pinned sources.
  typed(() => open({ token: "t", container: "#connect", pinnedSources: ["5b1daf3f079c652eaf41fd23"] }));
  typed(() => open({ token: "t", container: document.body }));
  // @ts-expect-error a container is an element or a selector
  typed(() => open({ token: "t", container: 1 }));
  // @ts-expect-error pinned sources are ids
  typed(() => open({ token: "t", pinnedSources: "5b1daf3f079c652eaf41fd23" }));
});

test("the testing kit's fake has the same API and fires the same payload types", () => {
  const fake = createFakeConnect();
  expectTypeOf(fake.open).toEqualTypeOf(open);
  expectTypeOf(fake.close).toEqualTypeOf(close);
  expectTypeOf(fake.preload).toEqualTypeOf(preload);
  expectTypeOf(fake).toMatchTypeOf<HumanConnectApi>();
  expectTypeOf(fake.connectSource).returns.toEqualTypeOf<ConnectSourceResponse>();
  expectTypeOf(fake.disconnectSource).returns.toEqualTypeOf<DisconnectSourceResponse>();
  expectTypeOf(fake.finish).returns.toEqualTypeOf<CloseResponse>();
  expectTypeOf(fake.event).returns.toEqualTypeOf<ConnectEvent>();
  expectTypeOf(fake.finish).parameter(0).toEqualTypeOf<CloseStatus | undefined>();
  expectTypeOf(fake.event).parameter(0).toEqualTypeOf<ConnectEventName>();
  expectTypeOf(fake.connectSource).parameter(0).toEqualTypeOf<ConnectSource>();

  const typed = (fn: () => void) => fn;
  // @ts-expect-error close statuses are a closed list
  typed(() => fake.finish("CLOSED"));
  // @ts-expect-error event names are a closed list
  typed(() => fake.event("CLICK"));
  // @ts-expect-error sources need both name and id
  typed(() => fake.connectSource({ name: "Starfleet Pharmacy" }));
});

test("the React hook's options and result are typed", () => {
  expectTypeOf<UseHumanConnectOptions["token"]>().toEqualTypeOf<string | undefined>();
  expectTypeOf<UseHumanConnectOptions["onClose"]>().toEqualTypeOf<OpenOptions["onClose"]>();
  expectTypeOf<UseHumanConnectOptions["pinnedSources"]>().toEqualTypeOf<string[] | undefined>();
  expectTypeOf<UseHumanConnectOptions["container"]>().toEqualTypeOf<Element | string | undefined>();
  expectTypeOf<UseHumanConnect["open"]>().parameter(0).toEqualTypeOf<Partial<OpenOptions> | undefined>();
  expectTypeOf<UseHumanConnect["isOpen"]>().toEqualTypeOf<boolean>();
  expectTypeOf<UseHumanConnect["ready"]>().toEqualTypeOf<boolean>();
  expectTypeOf<UseHumanConnect["error"]>().toEqualTypeOf<Exclude<CloseStatus, "SUCCESS"> | null>();
  expectTypeOf(useHumanConnect).returns.toEqualTypeOf<UseHumanConnect>();
});

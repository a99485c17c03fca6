// The service layer: business rules over the store, one service per concern. Routes and the CLI use these.
import { ClientService } from "./clients/service.ts";
import type { Clock } from "./clock.ts";
import { ConnectService } from "./connect/service.ts";
import { PortalSessions } from "./portal/sessions.ts";
import { SecretBox } from "./security/crypto.ts";
import { SignInAttempts } from "./sign-in/attempts.ts";
import type { EhrNetworkPolicy } from "./smart/outbound-fetch.ts";
import { SmartService } from "./smart/service.ts";
import type { Store } from "./store/types.ts";
import { TokenService } from "./tokens/service.ts";
import { UserService } from "./users/service.ts";
import { WebhookEndpoints } from "./webhooks/endpoints.ts";
import { EventQueue } from "./webhooks/event-queue.ts";

/** Every service, over one store. */
export interface Services {
  clients: ClientService;
  tokens: TokenService;
  users: UserService;
  connect: ConnectService;
  signIn: SignInAttempts;
  portalSessions: PortalSessions;
  webhookEndpoints: WebhookEndpoints;
  events: EventQueue;
  secrets: SecretBox;
  smart: SmartService;
}

/**
 * Builds the services over `store`, encrypting secrets with `masterKey`; EHRs are reached under `ehrPolicy` (by
 * default public addresses over https only).
 */
export function createServices(store: Store, masterKey: Buffer, clock: Clock, ehrPolicy: EhrNetworkPolicy = { allowPrivate: false }): Services {
  const secrets = new SecretBox(masterKey);
  const events = new EventQueue(store, clock);
  const tokens = new TokenService(store, clock);
  const connect = new ConnectService(store, events, clock);
  return {
    clients: new ClientService(store, secrets, clock),
    tokens,
    users: new UserService(store, tokens, events, clock),
    connect,
    signIn: new SignInAttempts(store, clock, secrets),
    portalSessions: new PortalSessions(store, clock),
    webhookEndpoints: new WebhookEndpoints(store, secrets, clock),
    events,
    secrets,
    smart: new SmartService(store, secrets, clock, connect, ehrPolicy),
  };
}

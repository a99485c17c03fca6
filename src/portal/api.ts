/** The Portal's calls to `/portal/api`: same-origin, cookie-authenticated, with the CSRF token on every change. */
import { t } from "./i18n.ts";

/** An error answer of the service, `{"errorCode", "message"}`, with its HTTP status. */
export class PortalApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = "PortalApiError";
  }
}

let csrfToken = "";
let onSessionEnded: () => void = () => undefined;

/** What to do when a call answers 401: the session has ended (signed out elsewhere, expired, secret rotated). */
export function whenSessionEnds(handler: () => void): void {
  onSessionEnded = handler;
}

/** Remembers the session's CSRF token (from sign-in or the session call). */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Calls the Portal API and returns the parsed JSON (undefined for 204). */
export async function call<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`/portal/api${path}`, {
      method,
      headers,
      credentials: "same-origin",
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new PortalApiError(0, "NETWORK_ERROR", t.networkError);
  }
  if (res.status === 204) return undefined as T;
  let parsed: unknown;
  try {
    parsed = await res.json();
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const err = (parsed ?? {}) as { errorCode?: string; message?: string };
    // A wrong secret at sign-in is a 401 too, but it ends no session.
    if (res.status === 401 && path !== "/sign-in") onSessionEnded();
    throw new PortalApiError(res.status, err.errorCode ?? "ERROR", err.message ?? t.serviceAnswered(res.status));
  }
  return parsed as T;
}

export interface PortalClient {
  client_id: string;
  name: string;
}

export interface SessionInfo {
  client: PortalClient;
  csrf_token: string;
  mail_transport?: "smtp" | "outbox" | null;
}

export interface UserRow {
  client_user_id: string;
  human_id: string;
  email: string | null;
  status: "created" | "invited" | "engaged" | "connected";
  invited_at: string | null;
  engaged_at: string | null;
  connected_at: string | null;
  connections: number;
  connections_needing_reauth: number;
}

export interface UsersPage {
  page: number;
  per_page: number;
  total: number;
  users: UserRow[];
}

export interface TemplateView {
  alias: string;
  subject: string;
  html: string;
  text: string | null;
  built_in: boolean;
  updated_at: string | null;
}

export interface EndpointView {
  url: string;
  enabled: boolean;
  disabled_reason: string | null;
  secret?: string | null;
}

export interface DeliveryView {
  webhook_id: string;
  type: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  next_attempt_at: string | null;
  created_at: string;
  last_status: number | null;
  last_error: string | null;
  payload: unknown;
  log: { attempt: number; at: string; outcome: string; status: number | null; error: string | null; duration_ms: number }[];
}

export interface ClientSettings {
  client_id: string;
  name: string;
  redirect_url: string | null;
  allowed_origins: string[];
}

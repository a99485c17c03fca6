import { Hono, type Context, type MiddlewareHandler } from "hono";
import { readJsonObject } from "../body.ts";
import type { AppDeps, AppEnv } from "../deps.ts";
import { ApiFailure, invalidRequest } from "../errors.ts";
import { makeInviteLink, sendInvitation } from "../invites/invitations.ts";
import {
  DEFAULT_TEMPLATE,
  DEFAULT_TEMPLATE_ALIAS,
  collectTemplateData,
  isValidTemplateAlias,
  validateTemplate,
} from "../mail/templates.ts";
import type { HumanSummary, WebhookDeliveryRecord, WebhookEndpointRecord } from "../store/types.ts";
import { USER_STATUSES, endpointBody, invitationBody, inviteLinkBody, settingsBody } from "../schemas/client-api.ts";
import { parseOrFail } from "../validation.ts";
import { toConnectionView } from "../connect/views.ts";
import { clientUserId as clientUserIdField } from "../schemas/fields.ts";

const clientUserIdParam = clientUserIdField();
import { checkWebhookEndpointUrl } from "../webhooks/endpoint-url.ts";
import { requireClientUser, requireSource } from "./lookups.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A user as `GET /v1/users` lists it. */
export interface UserView {
  client_user_id: string;
  human_id: string;
  email: string | null;
  status: HumanSummary["status"];
  invited_at: string | null;
  engaged_at: string | null;
  connected_at: string | null;
  connections: number;
  connections_needing_reauth: number;
}

function userView(u: HumanSummary): UserView {
  return {
    client_user_id: u.clientUserId,
    human_id: u.humanId,
    email: u.email,
    status: u.status,
    invited_at: iso(u.invitedAt),
    engaged_at: iso(u.engagedAt),
    connected_at: iso(u.connectedAt),
    connections: u.connections,
    connections_needing_reauth: u.connectionsNeedingReauth,
  };
}

function endpointView(e: WebhookEndpointRecord) {
  return { url: e.url, enabled: e.enabled, disabled_reason: e.disabledReason, created_at: iso(e.createdAt), updated_at: iso(e.updatedAt) };
}

function deliveryView(d: WebhookDeliveryRecord) {
  let payload: unknown = null;
  try {
    payload = JSON.parse(d.body);
  } catch {
    payload = null;
  }
  return {
    webhook_id: d.messageId,
    type: d.eventType,
    state: d.state,
    attempts: d.attempts,
    next_attempt_at: iso(d.nextAttemptAt),
    created_at: iso(d.createdAt),
    last_status: d.lastStatus,
    last_error: d.lastError,
    payload,
    log: d.log.map((a) => ({ attempt: a.attempt, at: iso(a.at), outcome: a.outcome, status: a.status, error: a.error, duration_ms: a.durationMs })),
  };
}

function intParam(raw: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw invalidRequest(`"${name}" must be an integer from ${min} to ${max}`);
  }
  return Number(raw);
}

function checkRedirectUrl(value: string | null): string | null {
  if (value === null || value === "") return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidRequest('"redirect_url" must be an absolute http(s) URL');
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password || url.hash) {
    throw invalidRequest('"redirect_url" must be an http(s) URL without credentials or fragment');
  }
  return url.toString();
}

function templateAlias(c: Context): string {
  const alias = c.req.param("alias") ?? "";
  if (!isValidTemplateAlias(alias)) {
    throw new ApiFailure(400, "TEMPLATE_ALIAS_INVALID", "An alias is 1 to 64 lowercase letters, digits, '-' or '_', starting with a letter or digit.");
  }
  return alias;
}

/** Refuses a link to a source the catalog does not have. */
async function requireKnownSource(deps: AppDeps, sourceId: string | undefined): Promise<void> {
  if (sourceId !== undefined) await requireSource(deps, sourceId);
}

/** Where invite links point: the configured public URL, else the origin this request reached. */
export function inviteBaseUrl(deps: AppDeps, c: Context): string {
  return deps.publicUrl ? deps.publicUrl.replace(/\/+$/, "") : new URL(c.req.url).origin;
}

/**
 * The client's own API, mounted twice with the same paths: under `/v1` for the company's backend (client token or
 * HTTP Basic) and under `/portal/api` for the Portal (session cookie + CSRF). `auth` sets `client`.
 */
export function clientApiRoutes(deps: AppDeps, prefix: string, auth: MiddlewareHandler<AppEnv>): Hono<AppEnv> {
  const { store, services, clock } = deps;
  const app = new Hono<AppEnv>();
  const p = (path: string) => prefix + path;

  app.get(p("/users"), auth, async (c) => {
    const client = c.get("client");
    const rawStatus = c.req.query("status") ?? "";
    if (rawStatus !== "" && !(USER_STATUSES as readonly string[]).includes(rawStatus)) {
      throw invalidRequest(`"status" must be one of ${USER_STATUSES.join(", ")}`);
    }
    const page = intParam(c.req.query("page"), "page", 1, 100_000, 1);
    const perPage = intParam(c.req.query("per_page"), "per_page", 1, 100, 20);
    const status = rawStatus === "" ? undefined : (rawStatus as (typeof USER_STATUSES)[number]);
    const { total, users } = await services.users.list(client.clientId, { status, limit: perPage, offset: (page - 1) * perPage });
    return c.json({ status: status ?? null, page, per_page: perPage, total, users: users.map(userView) });
  });

  app.get(p("/users/:client_user_id/connections"), auth, async (c) => {
    const client = c.get("client");
    const clientUserId = parseOrFail(clientUserIdParam, c.req.param("client_user_id"));
    const human = await requireClientUser(deps, client.clientId, clientUserId);
    const records = await store.connections.details(human.humanId);
    const fhir = await services.smart.connectionInfo(human.humanId);
    return c.json({ connections: records.map((r) => ({ ...toConnectionView(r), ...(fhir.has(r.source.id) ? { fhir: fhir.get(r.source.id) } : {}) })) });
  });

  app.post(p("/connect/invite-links"), auth, async (c) => {
    const client = c.get("client");
    const input = parseOrFail(inviteLinkBody, await readJsonObject(c));
    await requireKnownSource(deps, input.source_id);
    const { link, human } = await makeInviteLink(
      services,
      client,
      inviteBaseUrl(deps, c),
      { clientUserId: input.client_user_id, email: input.email, expiresIn: input.expires_in, sourceId: input.source_id },
      "link",
      clock.now(),
    );
    return c.json(
      { client_user_id: input.client_user_id, human_id: human.humanId, email: input.email, url: link.url, expires_at: link.expiresAt, warning: link.warning },
      201,
    );
  });

  app.post(p("/connect/invitations"), auth, async (c) => {
    const client = c.get("client");
    const body = await readJsonObject(c);
    // The Portal sends data values as an object; the API takes them as `data_*` fields, as in seed 004.
    if (typeof body.data === "object" && body.data !== null && !Array.isArray(body.data)) {
      for (const [k, value] of Object.entries(body.data as Record<string, unknown>)) body[`data_${k}`] = value;
      delete body.data;
    }
    const input = parseOrFail(invitationBody, body);
    await requireKnownSource(deps, input.source_id);
    const alias = input.template_alias ?? DEFAULT_TEMPLATE_ALIAS;
    if (!isValidTemplateAlias(alias)) throw new ApiFailure(400, "TEMPLATE_ALIAS_INVALID", '"template_alias" is not a valid alias.');
    const data = collectTemplateData(body);
    if (!data.ok) throw new ApiFailure(400, data.code, data.message);
    const result = await sendInvitation(deps, client, inviteBaseUrl(deps, c), {
      clientUserId: input.client_user_id,
      email: input.email,
      expiresIn: input.expires_in,
      sourceId: input.source_id,
      templateAlias: alias,
      data: data.value,
    });
    return c.json(result, 201);
  });

  app.get(p("/email-templates"), auth, async (c) => {
    const stored = await store.templates.list(c.get("client").clientId);
    const templates = stored.map((t) => ({ alias: t.alias, subject: t.subject, html: t.html, text: t.text, built_in: false, updated_at: iso(t.updatedAt) }));
    if (!stored.some((t) => t.alias === DEFAULT_TEMPLATE_ALIAS)) {
      templates.unshift({ alias: DEFAULT_TEMPLATE_ALIAS, subject: DEFAULT_TEMPLATE.subject, html: DEFAULT_TEMPLATE.html, text: DEFAULT_TEMPLATE.text ?? null, built_in: true, updated_at: null });
    }
    return c.json({ templates });
  });

  app.get(p("/email-templates/:alias"), auth, async (c) => {
    const alias = templateAlias(c);
    const t = await store.templates.get(c.get("client").clientId, alias);
    if (t) return c.json({ alias, subject: t.subject, html: t.html, text: t.text, built_in: false, updated_at: iso(t.updatedAt) });
    if (alias === DEFAULT_TEMPLATE_ALIAS) {
      return c.json({ alias, subject: DEFAULT_TEMPLATE.subject, html: DEFAULT_TEMPLATE.html, text: DEFAULT_TEMPLATE.text ?? null, built_in: true, updated_at: null });
    }
    throw new ApiFailure(404, "TEMPLATE_NOT_FOUND", `No email template has the alias "${alias}".`);
  });

  app.put(p("/email-templates/:alias"), auth, async (c) => {
    const alias = templateAlias(c);
    const body = await readJsonObject(c);
    // An empty text means "HTML only", which is what a cleared form field says.
    if (body.text === "" || body.text === null) delete body.text;
    const checked = validateTemplate(body);
    if (!checked.ok) throw new ApiFailure(400, checked.code, checked.message);
    await store.templates.put(c.get("client").clientId, { alias, ...checked.value, text: checked.value.text ?? null, updatedAt: clock.now() });
    const t = await store.templates.get(c.get("client").clientId, alias);
    return c.json({ alias, subject: t!.subject, html: t!.html, text: t!.text, built_in: false, updated_at: iso(t!.updatedAt) });
  });

  app.delete(p("/email-templates/:alias"), auth, async (c) => {
    const alias = templateAlias(c);
    if (!(await store.templates.delete(c.get("client").clientId, alias))) {
      throw new ApiFailure(404, "TEMPLATE_NOT_FOUND", `No email template has the alias "${alias}".`);
    }
    return c.body(null, 204);
  });

  app.get(p("/webhook-endpoint"), auth, async (c) => {
    const endpoint = await store.webhooks.getEndpoint(c.get("client").clientId);
    if (!endpoint) throw new ApiFailure(404, "WEBHOOK_ENDPOINT_NOT_FOUND", "No webhook endpoint is set.");
    return c.json(endpointView(endpoint));
  });

  app.put(p("/webhook-endpoint"), auth, async (c) => {
    const input = parseOrFail(endpointBody, await readJsonObject(c));
    const url = checkWebhookEndpointUrl(input.url, {
      allowHttp: deps.allowHttpWebhooks ?? true,
      allowPrivate: deps.allowPrivateWebhooks ?? false,
    });
    if (!url.ok) throw new ApiFailure(400, url.code, url.message);
    const { endpoint, secret } = await services.webhookEndpoints.set(c.get("client").clientId, url.url, input.rotate_secret === true);
    // The secret is shown only when it is new.
    return c.json({ ...endpointView(endpoint), secret }, secret ? 201 : 200);
  });

  app.get(p("/webhook-deliveries"), auth, async (c) => {
    const page = intParam(c.req.query("page"), "page", 1, 100_000, 1);
    const perPage = intParam(c.req.query("per_page"), "per_page", 1, 100, 20);
    const { total, deliveries } = await store.webhooks.listDeliveries(c.get("client").clientId, perPage, (page - 1) * perPage);
    return c.json({ page, per_page: perPage, total, deliveries: deliveries.map(deliveryView) });
  });

  app.get(p("/client-settings"), auth, (c) => {
    const client = c.get("client");
    return c.json({ client_id: client.clientId, name: client.name, redirect_url: client.redirectUrl, allowed_origins: client.allowedOrigins });
  });

  app.put(p("/client-settings"), auth, async (c) => {
    const client = c.get("client");
    const input = parseOrFail(settingsBody, await readJsonObject(c));
    const redirectUrl = checkRedirectUrl(input.redirect_url);
    await services.clients.update(client.clientId, { redirectUrl });
    return c.json({ client_id: client.clientId, name: client.name, redirect_url: redirectUrl, allowed_origins: client.allowedOrigins });
  });

  return app;
}

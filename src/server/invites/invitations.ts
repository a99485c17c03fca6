// Making invite links and sending invitation emails for a client: shared by the server-to-server API, the Portal
// and the CLI. Every invitation correlates to the user by (client, client_user_id) and keeps the latest email.
import type { AppDeps } from "../deps.ts";
import { ApiFailure } from "../errors.ts";
import { DEFAULT_TEMPLATE, DEFAULT_TEMPLATE_ALIAS, renderTemplate, type EmailTemplate } from "../mail/templates.ts";
import type { Services } from "../services.ts";
import type { ClientRecord, HumanRecord, Store } from "../store/types.ts";
import { InviteOptionsError, createInviteLink, type InviteLink } from "./invite-token.ts";

/** Lifetime of links in invitation emails unless the request says otherwise ("a few days", as seed 000 advises). */
export const DEFAULT_INVITATION_EXPIRES_IN = "3d";

/** Input of one invite link. */
export interface InviteRequest {
  clientUserId: string;
  email: string;
  expiresIn?: string | number | undefined;
  /** A source whose sign-in (or repair) the link opens on. */
  sourceId?: string | undefined;
}

/** Signs a link with the client's current secret; bad link options are a 400 INVALID_REQUEST. */
async function signInviteLink(
  services: Services,
  client: ClientRecord,
  baseUrl: string,
  input: InviteRequest,
  now: number,
): Promise<InviteLink> {
  const secret = await services.clients.secretOf(client.clientId);
  if (!secret) throw new ApiFailure(404, "CLIENT_NOT_FOUND", "No client has this id.");
  try {
    return await createInviteLink({
      clientId: client.clientId,
      clientSecret: secret,
      clientUserId: input.clientUserId,
      email: input.email,
      expiresIn: input.expiresIn ?? DEFAULT_INVITATION_EXPIRES_IN,
      baseUrl,
      sourceId: input.sourceId,
      now,
    });
  } catch (err) {
    if (err instanceof InviteOptionsError) throw new ApiFailure(400, "INVALID_REQUEST", err.message);
    throw err;
  }
}

/** Signs a link with the client's current secret and marks the user Invited (queues `user.invited`). */
export async function makeInviteLink(
  services: Services,
  client: ClientRecord,
  baseUrl: string,
  input: InviteRequest,
  via: "link" | "email",
  now: number,
): Promise<{ link: InviteLink; human: HumanRecord }> {
  const link = await signInviteLink(services, client, baseUrl, input, now);
  const human = await services.users.markInvited({
    clientId: client.clientId,
    clientUserId: input.clientUserId,
    email: input.email,
    via,
    expiresAt: link.expiresAt,
  });
  return { link, human };
}

/** The template an invitation uses: the client's stored one, or the built-in default for "default". */
export async function resolveTemplate(store: Store, clientId: string, alias: string): Promise<EmailTemplate> {
  const stored = await store.templates.get(clientId, alias);
  if (stored) return { subject: stored.subject, html: stored.html, ...(stored.text !== null ? { text: stored.text } : {}) };
  if (alias === DEFAULT_TEMPLATE_ALIAS) return DEFAULT_TEMPLATE;
  throw new ApiFailure(404, "TEMPLATE_NOT_FOUND", `No email template has the alias "${alias}".`);
}

/** What an invitation request answers. */
export interface InvitationResult {
  client_user_id: string;
  human_id: string;
  email: string;
  template_alias: string;
  invite_url: string;
  expires_at: string;
  message_id: string;
  transport: "smtp" | "outbox";
}

/**
 * Makes a fresh link, fills the template (`{{sign_in_url}}`, `{{client_name}}`, each `data_x` as `{{x}}`) and sends
 * it. The user is marked Invited only once the mail was accepted, so a failed send changes nothing.
 */
export async function sendInvitation(
  deps: AppDeps,
  client: ClientRecord,
  baseUrl: string,
  input: InviteRequest & { templateAlias: string; data: Record<string, string> },
): Promise<InvitationResult> {
  if (!deps.mailer) throw new ApiFailure(503, "MAIL_NOT_CONFIGURED", "This service sends no email.");
  const template = await resolveTemplate(deps.store, client.clientId, input.templateAlias);
  const link = await signInviteLink(deps.services, client, baseUrl, input, deps.clock.now());
  const rendered = renderTemplate(template, { signInUrl: link.url, clientName: client.name, data: input.data });
  let sent;
  try {
    sent = await deps.mailer.send({ to: input.email, subject: rendered.subject, html: rendered.html, text: rendered.text });
  } catch (err) {
    deps.logger?.warn({ err, clientId: client.clientId }, "invitation email not sent");
    throw new ApiFailure(502, "MAIL_SEND_FAILED", "The invitation email could not be sent; nothing was changed. Try again.");
  }
  const human = await deps.services.users.markInvited({
    clientId: client.clientId,
    clientUserId: input.clientUserId,
    email: input.email,
    via: "email",
    expiresAt: link.expiresAt,
  });
  return {
    client_user_id: input.clientUserId,
    human_id: human.humanId,
    email: input.email,
    template_alias: input.templateAlias,
    invite_url: link.url,
    expires_at: link.expiresAt,
    message_id: sent.messageId,
    transport: sent.transport,
  };
}

/** Checks the webhook endpoint URL a client registers. */

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; code: "WEBHOOK_URL_INVALID"; message: string };

export interface WebhookUrlPolicy {
  /**
   * Accept plain http:// URLs. Default true, so that a self-hosted service and its demo receiver work on
   * localhost; a public deployment should pass false so that signed bodies never travel unencrypted.
   */
  allowHttp?: boolean;
}

/** Accepts an absolute http(s) URL without credentials or fragment, at most 2048 characters; returns it normalised. */
export function checkWebhookEndpointUrl(input: unknown, policy: WebhookUrlPolicy = {}): WebhookUrlCheck {
  const invalid = (message: string): WebhookUrlCheck => ({ ok: false, code: "WEBHOOK_URL_INVALID", message });
  if (typeof input !== "string" || input.length === 0) return invalid("The webhook URL is required");
  if (input.length > MAX_WEBHOOK_URL_LENGTH) return invalid(`The webhook URL must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return invalid("The webhook URL must be an absolute URL");
  }
  const allowHttp = policy.allowHttp ?? true;
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:")) {
    return invalid(allowHttp ? "The webhook URL must use http or https" : "The webhook URL must use https");
  }
  if (url.username || url.password) return invalid("The webhook URL must not contain credentials");
  if (url.hash) return invalid("The webhook URL must not contain a fragment");
  return { ok: true, url: url.toString() };
}

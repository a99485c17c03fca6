/** Checks the webhook endpoint URL a client registers. */
import { isIP } from "node:net";
import { bareHostname, forbiddenRangeOf, isLocalhostName } from "./address-policy.ts";

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; code: "WEBHOOK_URL_INVALID"; message: string };

export interface WebhookUrlPolicy {
  /**
   * Accept plain http:// URLs. Default true, so that a self-hosted service and its demo receiver work on
   * localhost; a public deployment should pass false so that signed bodies never travel unencrypted.
   */
  allowHttp?: boolean;
  /**
   * Accept loopback, private, link-local and other non-public hosts (literal IPs and `localhost`). Default false;
   * for local development only (HC_WEBHOOKS_ALLOW_PRIVATE=1). Host names are checked again when a webhook is sent.
   */
  allowPrivate?: boolean;
}

/**
 * Accepts an absolute http(s) URL without credentials or fragment, at most 2048 characters, whose host is not a
 * non-public IP address or `localhost` (unless the policy allows them); returns it normalised.
 */
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
  if (!policy.allowPrivate) {
    const host = bareHostname(url);
    // Host names other than localhost are resolved, and checked, at delivery time.
    const range = isLocalhostName(host) ? "loopback" : isIP(host) !== 0 ? forbiddenRangeOf(host) : null;
    if (range !== null) {
      return invalid(
        `The webhook URL must point at a public address, not ${host} (${range}). ` +
          "Private addresses are accepted only when the service allows them for local development.",
      );
    }
  }
  return { ok: true, url: url.toString() };
}

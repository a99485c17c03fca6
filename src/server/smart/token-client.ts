/**
 * The OAuth side of SMART App Launch with oauth4webapi: the authorization request's URL, the code exchange and the
 * refresh, each sent through the outbound policy. Nothing here stores or logs a token.
 */
import * as oauth from "oauth4webapi";
import { SmartError } from "./errors.ts";
import type { SmartServer } from "./discovery.ts";
import { fetchFromEhr, OutboundFailure, type EhrNetworkPolicy } from "./outbound-fetch.ts";

/** Time allowed for one token request. */
export const TOKEN_TIMEOUT_MS = 10_000;
/** Largest token answer accepted. */
export const TOKEN_MAX_BYTES = 64 * 1024;

/** How this service is registered with one EHR. */
export interface SmartRegistration {
  fhirBaseUrl: string;
  clientId: string;
  /** Plain secret of a confidential client (client_secret_basic), or null for a public client. */
  clientSecret: string | null;
  scopes: string;
}

/** Tokens as the EHR issued them. */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string | null;
  /** Seconds the access token lives, when the EHR says. */
  expiresIn: number | null;
  scope: string;
  /** The `patient` launch context, when the EHR sent one. */
  patient: string | null;
}

/** The URL of the EHR's authorize page for one attempt: state, PKCE S256, `aud` = the FHIR base, the exact redirect URI. */
export function authorizationUrl(
  server: SmartServer,
  registration: SmartRegistration,
  request: { state: string; codeChallenge: string; redirectUri: string },
): string {
  const url = new URL(server.authorizationServer.authorization_endpoint!);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", registration.clientId);
  url.searchParams.set("redirect_uri", request.redirectUri);
  url.searchParams.set("scope", registration.scopes);
  url.searchParams.set("state", request.state);
  url.searchParams.set("aud", registration.fhirBaseUrl);
  url.searchParams.set("code_challenge", request.codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  return url.href;
}

/** Exchanges an authorization code for tokens, server to server. */
export async function exchangeCode(
  server: SmartServer,
  registration: SmartRegistration,
  policy: EhrNetworkPolicy,
  input: { code: string; codeVerifier: string; redirectUri: string },
): Promise<IssuedTokens> {
  const as = server.authorizationServer;
  const client: oauth.Client = { client_id: registration.clientId };
  return tokenCall("EHR_TOKEN_EXCHANGE_FAILED", async () => {
    // The service matched the callback's state to its attempt before the code got here.
    const params = oauth.validateAuthResponse(as, client, new URLSearchParams({ code: input.code }), oauth.skipStateCheck);
    const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth(registration), params, input.redirectUri, input.codeVerifier, requestOptions(policy));
    return oauth.processAuthorizationCodeResponse(as, client, await withoutIdToken(response));
  });
}

/**
 * Asks for new tokens with a refresh token. An EHR that refuses it (`invalid_grant`) throws
 * SmartError("CONNECTION_NEEDS_REAUTH"); any other failure SmartError("EHR_UNAVAILABLE").
 */
export async function refreshTokens(server: SmartServer, registration: SmartRegistration, policy: EhrNetworkPolicy, refreshToken: string): Promise<IssuedTokens> {
  const as = server.authorizationServer;
  const client: oauth.Client = { client_id: registration.clientId };
  return tokenCall("EHR_UNAVAILABLE", async () => {
    const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth(registration), refreshToken, requestOptions(policy));
    return oauth.processRefreshTokenResponse(as, client, await withoutIdToken(response));
  });
}

function clientAuth(registration: SmartRegistration): oauth.ClientAuth {
  return registration.clientSecret === null ? oauth.None() : oauth.ClientSecretBasic(registration.clientSecret);
}

function requestOptions(policy: EhrNetworkPolicy): oauth.TokenEndpointRequestOptions {
  return {
    // Plain http reaches an EHR only where the policy allows private addresses (local development).
    [oauth.allowInsecureRequests]: policy.allowPrivate,
    [oauth.customFetch]: (url, options) =>
      fetchFromEhr(
        url,
        {
          method: "POST",
          headers: options.headers,
          body: options.body === undefined || options.body === null ? undefined : String(options.body),
          timeoutMs: TOKEN_TIMEOUT_MS,
          maxBytes: TOKEN_MAX_BYTES,
          signal: options.signal,
        },
        policy,
      ),
  };
}

/**
 * The token answer without its `id_token`. The connection is confirmed by reading the patient with the access token
 * and nothing here uses the id token's claims; EHRs need not publish an `issuer` in their SMART configuration, so
 * checking those claims against one would refuse EHRs that work.
 */
async function withoutIdToken(response: Response): Promise<Response> {
  if (!response.ok || !(response.headers.get("content-type") ?? "").includes("json")) return response;
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(text, { status: response.status, headers: response.headers });
  }
  if (body && typeof body === "object" && !Array.isArray(body)) delete (body as Record<string, unknown>).id_token;
  return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
}

/** Runs one token request; its failures become SmartErrors whose messages hold no token or response body. */
async function tokenCall(failure: "EHR_TOKEN_EXCHANGE_FAILED" | "EHR_UNAVAILABLE", call: () => Promise<oauth.TokenEndpointResponse>): Promise<IssuedTokens> {
  let result: oauth.TokenEndpointResponse;
  try {
    result = await call();
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError) {
      if (failure === "EHR_UNAVAILABLE" && err.error === "invalid_grant") {
        throw new SmartError("CONNECTION_NEEDS_REAUTH", "The EHR refused the refresh token (invalid_grant).");
      }
      throw new SmartError(failure, `The EHR's token endpoint answered ${err.status} ${err.error}.`);
    }
    if (err instanceof OutboundFailure) throw new SmartError(failure, `The EHR's token endpoint: ${err.message}.`);
    if (err instanceof oauth.OperationProcessingError || err instanceof oauth.WWWAuthenticateChallengeError) {
      throw new SmartError(failure, `The EHR's token answer is not usable: ${err.message}.`);
    }
    if (err instanceof TypeError) throw new SmartError(failure, `The EHR's token request failed: ${err.message}.`);
    throw err;
  }
  if (result.token_type !== "bearer") throw new SmartError(failure, `The EHR issued a "${result.token_type}" token, not a bearer token.`);
  return {
    accessToken: result.access_token,
    refreshToken: result.refresh_token ?? null,
    expiresIn: result.expires_in ?? null,
    scope: result.scope ?? "",
    patient: typeof result.patient === "string" ? result.patient : null,
  };
}

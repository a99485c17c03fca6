/**
 * Invite links (seed 000): a JWT signed by the company with its client secret (HS256) whose payload is exactly
 * `{"mtd": "connect", "cid", "cuid", "email", "exp"}`. The hosted page `GET /invite?token=` verifies it with the
 * secret of the client named by `cid`.
 *
 * There is no per-link state: several links for one user work at once, a link stays usable until `exp`, and the
 * only way to revoke links is to rotate the client secret, which invalidates every link of that client.
 */
import { SignJWT, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from "jose";
import * as v from "valibot";
import { SOURCE_ID_PATTERN } from "../schemas/fields.ts";
import { MAX_CLIENT_USER_ID_LENGTH, clientUserIdString, emailString, isClientUserId, isEmailAddress } from "../validation.ts";

/** The only signing algorithm accepted; pinned so that `alg: none` or an RS256/HS256 confusion can never pass. */
export const INVITE_ALGORITHM = "HS256";
/** Longest lifetime a link may have: 30 days. */
export const MAX_INVITE_LIFETIME_SECONDS = 30 * 24 * 60 * 60;
/** Lifetime past which `createInviteToken` returns a warning (the seed's FAQ: "safe to set ... under 7 days"). */
export const RECOMMENDED_INVITE_LIFETIME_SECONDS = 7 * 24 * 60 * 60;
/** Clock skew allowed between the company's signer and this service. */
export const INVITE_CLOCK_TOLERANCE_SECONDS = 30;
/** Tokens longer than this are refused before any parsing (a real invite is 200-400 characters). */
export const MAX_INVITE_TOKEN_LENGTH = 4096;
/** Longest client user id accepted in `cuid`. */
export { MAX_CLIENT_USER_ID_LENGTH };

/** Closed list of reasons an invite token is refused. */
export const INVITE_ERROR_CODES = [
  "INVITE_MALFORMED",
  "INVITE_TOO_LARGE",
  "INVITE_ALGORITHM_NOT_ALLOWED",
  "INVITE_UNKNOWN_CLIENT",
  "INVITE_SIGNATURE_INVALID",
  "INVITE_EXPIRED",
  "INVITE_EXPIRY_TOO_FAR",
  "INVITE_CLAIMS_INVALID",
] as const;

export type InviteErrorCode = (typeof INVITE_ERROR_CODES)[number];

/** The verified payload of an invite token, exactly the five claims of seed 000. */
export interface InviteClaims {
  mtd: "connect";
  cid: string;
  cuid: string;
  email: string;
  exp: number;
}

export type InviteVerification = { ok: true; claims: InviteClaims } | { ok: false; code: InviteErrorCode };

/** Thrown by `createInviteToken` and `createInviteLink` when their own input is wrong (a programming or CLI error, not a hostile token). */
export class InviteOptionsError extends Error {
  readonly code: "INVITE_OPTIONS_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "InviteOptionsError";
    this.code = "INVITE_OPTIONS_INVALID";
  }
}

const ClientIdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(255));

const ClaimsSchema = v.object({
  mtd: v.literal("connect"),
  cid: ClientIdSchema,
  cuid: clientUserIdString("cuid"),
  email: emailString("email"),
  exp: v.pipe(v.number(), v.integer()),
});

/** Whether a string looks like an email address an invite can be sent to. */
export function isValidInviteEmail(email: unknown): email is string {
  return isEmailAddress(email);
}

const DURATION_PATTERN = /^(\d{1,7})\s*(s|m|h|d)?$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/**
 * Parses an invite lifetime: a number of seconds, or a string such as "3600", "30m", "12h", "3d".
 * Throws InviteOptionsError when it is not positive or exceeds 30 days.
 */
export function parseExpiresIn(expiresIn: number | string): number {
  let seconds: number;
  if (typeof expiresIn === "number") {
    if (!Number.isInteger(expiresIn)) throw new InviteOptionsError("expiresIn must be a whole number of seconds");
    seconds = expiresIn;
  } else if (typeof expiresIn === "string") {
    const match = DURATION_PATTERN.exec(expiresIn.trim().toLowerCase());
    if (!match) {
      throw new InviteOptionsError(`expiresIn "${expiresIn}" is not a duration such as 3600, "30m", "12h" or "3d"`);
    }
    const unit = (match[2] ?? "s") as keyof typeof UNIT_SECONDS;
    seconds = Number(match[1]) * UNIT_SECONDS[unit];
  } else {
    throw new InviteOptionsError("expiresIn must be a number of seconds or a string such as \"3d\"");
  }
  if (seconds <= 0) throw new InviteOptionsError("expiresIn must be greater than zero");
  if (seconds > MAX_INVITE_LIFETIME_SECONDS) {
    throw new InviteOptionsError("expiresIn must be at most 30 days; links that live longer are refused");
  }
  return seconds;
}

export interface CreateInviteTokenOptions {
  clientId: string;
  clientSecret: string;
  clientUserId: string;
  email: string;
  /** Seconds, or "30m", "12h", "3d"... at most 30 days. */
  expiresIn: number | string;
  /** Current time in ms since epoch (defaults to Date.now()). */
  now?: number;
}

export interface InviteToken {
  token: string;
  /** `exp` claim, seconds since epoch. */
  exp: number;
  /** `exp` as an ISO 8601 string. */
  expiresAt: string;
  /** Set when the lifetime is longer than the recommended 7 days. */
  warning: string | null;
}

/** Signs an invite token (HS256) whose payload is exactly {mtd, cid, cuid, email, exp}. */
export async function createInviteToken(options: CreateInviteTokenOptions): Promise<InviteToken> {
  if (!v.is(ClientIdSchema, options.clientId)) throw new InviteOptionsError("clientId is required");
  if (typeof options.clientSecret !== "string" || options.clientSecret.length === 0) {
    throw new InviteOptionsError("clientSecret is required");
  }
  if (!isClientUserId(options.clientUserId)) {
    throw new InviteOptionsError(`clientUserId must be 1 to ${MAX_CLIENT_USER_ID_LENGTH} characters`);
  }
  if (!isValidInviteEmail(options.email)) throw new InviteOptionsError("email is not a valid email address");
  const lifetime = parseExpiresIn(options.expiresIn);
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const exp = nowSeconds + lifetime;

  const token = await new SignJWT({
    mtd: "connect",
    cid: options.clientId,
    cuid: options.clientUserId,
    email: options.email,
  })
    .setProtectedHeader({ alg: INVITE_ALGORITHM, typ: "JWT" })
    .setExpirationTime(exp)
    .sign(secretKey(options.clientSecret));

  const warning =
    lifetime > RECOMMENDED_INVITE_LIFETIME_SECONDS
      ? `This link stays valid for ${Math.round(lifetime / 86400)} days and cannot be revoked except by rotating the client secret; 7 days or less is recommended.`
      : null;
  return { token, exp, expiresAt: new Date(exp * 1000).toISOString(), warning };
}

export interface CreateInviteLinkOptions extends CreateInviteTokenOptions {
  /** Public base URL of the Connect service, e.g. "https://connect.example.com". */
  baseUrl: string;
  /**
   * A source to open hosted Connect on: its sign-in, or the repair of its connection when that needs
   * re-authorisation. It rides in the link's query, beside the token, so the token keeps exactly seed 000's claims;
   * it only chooses the first screen, which the user could reach anyway.
   */
  sourceId?: string | undefined;
}

export interface InviteLink extends InviteToken {
  /** `${baseUrl}/invite?token=<jwt>` */
  url: string;
}

/** Makes a shareable invite link `${baseUrl}/invite?token=<jwt>` (and `&source_id=` for a source to open on). */
export async function createInviteLink(options: CreateInviteLinkOptions): Promise<InviteLink> {
  const base = normaliseBaseUrl(options.baseUrl);
  if (options.sourceId !== undefined && !SOURCE_ID_PATTERN.test(options.sourceId)) {
    throw new InviteOptionsError("sourceId must be 24 lowercase hex characters");
  }
  const invite = await createInviteToken(options);
  const source = options.sourceId ? `&source_id=${options.sourceId}` : "";
  return { ...invite, url: `${base}/invite?token=${encodeURIComponent(invite.token)}${source}` };
}

function normaliseBaseUrl(baseUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new InviteOptionsError(`baseUrl "${baseUrl}" is not an absolute URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new InviteOptionsError("baseUrl must be an http(s) URL");
  }
  if (parsed.search || parsed.hash) throw new InviteOptionsError("baseUrl must not have a query or fragment");
  return parsed.toString().replace(/\/+$/, "");
}

export interface VerifyInviteTokenOptions {
  /** Returns the current secret of a client, or null when there is no such client. */
  lookupSecret(clientId: string): Promise<string | null>;
  /** Current time in ms since epoch (defaults to Date.now()). */
  now?: number;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Verifies an invite token from the outside world. Never throws for a bad token: answers `{ok: false, code}`.
 * The unverified payload is read only to learn `cid`; nothing else is trusted before the signature checks out.
 */
export async function verifyInviteToken(token: unknown, options: VerifyInviteTokenOptions): Promise<InviteVerification> {
  if (typeof token !== "string") return fail("INVITE_MALFORMED");
  if (token.length > MAX_INVITE_TOKEN_LENGTH) return fail("INVITE_TOO_LARGE");
  if (!COMPACT_JWS.test(token)) return fail("INVITE_MALFORMED");

  let alg: unknown;
  let unverifiedCid: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
    unverifiedCid = decodeJwt(token).cid;
  } catch {
    return fail("INVITE_MALFORMED");
  }
  if (alg !== INVITE_ALGORITHM) return fail("INVITE_ALGORITHM_NOT_ALLOWED");
  if (!v.is(ClientIdSchema, unverifiedCid)) return fail("INVITE_CLAIMS_INVALID");

  const secret = await options.lookupSecret(unverifiedCid);
  if (secret === null || secret.length === 0) return fail("INVITE_UNKNOWN_CLIENT");

  const nowMs = options.now ?? Date.now();
  let payload: Record<string, unknown>;
  try {
    const verified = await jwtVerify(token, secretKey(secret), {
      algorithms: [INVITE_ALGORITHM],
      clockTolerance: INVITE_CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(nowMs),
      requiredClaims: ["exp"],
    });
    payload = verified.payload as Record<string, unknown>;
  } catch (error) {
    return fail(codeForJoseError(error));
  }

  const parsed = v.safeParse(ClaimsSchema, payload);
  if (!parsed.success) return fail("INVITE_CLAIMS_INVALID");
  const claims = parsed.output;
  const latestExp = Math.floor(nowMs / 1000) + MAX_INVITE_LIFETIME_SECONDS + INVITE_CLOCK_TOLERANCE_SECONDS;
  if (claims.exp > latestExp) return fail("INVITE_EXPIRY_TOO_FAR");
  return { ok: true, claims: { mtd: claims.mtd, cid: claims.cid, cuid: claims.cuid, email: claims.email, exp: claims.exp } };
}

function codeForJoseError(error: unknown): InviteErrorCode {
  if (error instanceof joseErrors.JWTExpired) return "INVITE_EXPIRED";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "INVITE_SIGNATURE_INVALID";
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "INVITE_ALGORITHM_NOT_ALLOWED";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return "INVITE_CLAIMS_INVALID";
  return "INVITE_MALFORMED";
}

function fail(code: InviteErrorCode): InviteVerification {
  return { ok: false, code };
}

function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * What the hosted page may tell a visitor about a refused link: an expired link says so, every other reason reads
 * the same, so that the page leaks nothing about clients, users or signatures.
 */
export function describeInviteError(code: InviteErrorCode): { title: string; message: string } {
  if (code === "INVITE_EXPIRED") {
    return {
      title: "This link has expired",
      message: "Ask the organisation that sent it for a new link.",
    };
  }
  return {
    title: "This link is not valid",
    message: "Check that you opened the whole link, or ask the organisation that sent it for a new one.",
  };
}

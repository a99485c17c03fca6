// Small HTTP helpers for the service's integration tests.

/** A response read fully: status, headers and parsed JSON (or text). */
export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function read<T>(res: Response): Promise<Reply<T>> {
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}

/** POSTs a JSON body (or a raw string sent as JSON). */
export async function postJson<T = Record<string, unknown>>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return read<T>(res);
}

/** Any request with a bearer token. */
export async function api<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const h: Record<string, string> = { ...headers };
  if (token !== null) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h["Content-Type"] = "application/json";
  const res = await fetch(base + path, {
    method,
    headers: h,
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  return read<T>(res);
}

/** Asserts-free check of the one error shape; returns the errorCode. */
export function errorCodeOf(reply: Reply): unknown {
  return (reply.body as { errorCode?: unknown } | undefined)?.errorCode;
}

export const STARFLEET = "5b1daf3f079c652eaf41fd23";
export const CLEVELAND = "54dc427aaa6b4cb7d6203061";
export const ENTERPRISE_MFA = "5b1daf3f079c652eaf41fd24";
export const HOLODECK_OAUTH = "5b1daf3f079c652eaf41fd25";
export const ROMULAN_UNAVAILABLE = "5b1daf3f079c652eaf41fd26";
export const VULCAN_SLOW = "5b1daf3f079c652eaf41fd27";

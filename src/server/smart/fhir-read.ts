// Read-only FHIR requests to an EHR with a connection's access token, under the outbound policy.
import { SmartError } from "./errors.ts";
import { fetchFromEhr, OutboundFailure, type EhrNetworkPolicy } from "./outbound-fetch.ts";

/** Time allowed for one FHIR read. */
export const FHIR_READ_TIMEOUT_MS = 20_000;
/** Largest FHIR answer passed through. */
export const FHIR_READ_MAX_BYTES = 5 * 1024 * 1024;

/** FHIR's id type: letters, digits, '-' and '.', at most 64. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** An EHR's answer to a FHIR read, as passed on. */
export interface FhirAnswer {
  status: number;
  body: ArrayBuffer;
  /** A 401 whose WWW-Authenticate says the token is no longer valid (so a refresh may help). */
  invalidToken: boolean;
}

/** GETs `{base}/{path}?{query}`; network failures, timeouts and oversized answers throw SmartError("EHR_UNAVAILABLE"). */
export async function readResource(fhirBaseUrl: string, path: string, query: string, accessToken: string, policy: EhrNetworkPolicy): Promise<FhirAnswer> {
  const url = `${fhirBaseUrl}/${path}${query ? `?${query}` : ""}`;
  let response: Response;
  try {
    response = await fetchFromEhr(
      url,
      {
        method: "GET",
        headers: { accept: "application/fhir+json", authorization: `Bearer ${accessToken}` },
        timeoutMs: FHIR_READ_TIMEOUT_MS,
        maxBytes: FHIR_READ_MAX_BYTES,
      },
      policy,
    );
  } catch (err) {
    if (err instanceof OutboundFailure) throw new SmartError("EHR_UNAVAILABLE", `The EHR's FHIR API: ${err.message}.`);
    throw err;
  }
  const challenge = response.headers.get("www-authenticate") ?? "";
  return {
    status: response.status,
    body: await response.arrayBuffer(),
    invalidToken: response.status === 401 && /error="?invalid_token/i.test(challenge),
  };
}

/** Confirms that `accessToken` reads `Patient/{patient}`; SmartError("EHR_PATIENT_READ_FAILED") when it does not. */
export async function readPatient(fhirBaseUrl: string, patient: string, accessToken: string, policy: EhrNetworkPolicy): Promise<void> {
  const fail = (why: string) => new SmartError("EHR_PATIENT_READ_FAILED", `Reading Patient/${FHIR_ID.test(patient) ? patient : "?"} failed: ${why}`);
  if (!FHIR_ID.test(patient)) throw fail("the EHR's patient id is not a FHIR id.");
  let answer: FhirAnswer;
  try {
    answer = await readResource(fhirBaseUrl, `Patient/${patient}`, "", accessToken, policy);
  } catch (err) {
    if (err instanceof SmartError) throw fail(err.message);
    throw err;
  }
  if (answer.status !== 200) throw fail(`the EHR answered HTTP ${answer.status}.`);
  let resource: { resourceType?: unknown; id?: unknown };
  try {
    resource = JSON.parse(Buffer.from(answer.body).toString("utf8")) as typeof resource;
  } catch {
    throw fail("the answer is not JSON.");
  }
  if (resource?.resourceType !== "Patient" || resource.id !== patient) throw fail("the answer is not that Patient.");
}

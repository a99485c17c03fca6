/** Error codes, source types and sign-in methods to the user's language. */
import type { AuthMethod, SourceType } from "../../protocol/connect-api.ts";
import { hasMessage, t } from "../i18n.ts";

/** The message for an API error code about the source `name`; unknown codes get the generic one. */
export function errorMessage(code: string, name: string): string {
  const key = `error.${code}`;
  return hasMessage(key) ? t(key, { name }) : t("error.generic");
}

/** The name of a source type. */
export const typeLabel = (type: SourceType): string => t(`type.${type}` as const);

/** How a source signs in, in words. */
export const authLabel = (auth: AuthMethod): string => t(`auth.${auth}` as const);

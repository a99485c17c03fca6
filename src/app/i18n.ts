/**
 * The app's strings in English and Spanish. Spanish is typed against the English keys, so a missing translation
 * fails the typecheck. `{name}`-style placeholders are filled by `t`.
 */
import { signal } from "@preact/signals";

const en = {
  appTitle: "Connect your health data",
  close: "Close",
  back: "Back",
  cancel: "Cancel",
  loading: "Loading…",
  logoAlt: "{name} logo",
  searchHeading: "Find your health data sources",
  searchLabel: "Search providers, labs, pharmacies and devices",
  typeLabel: "Type",
  typeAll: "All types",
  "type.hospital": "Hospital",
  "type.clinic": "Clinic",
  "type.lab": "Lab",
  "type.pharmacy": "Pharmacy",
  "type.insurer": "Insurer",
  "type.wearable": "Wearable",
  resultsLabel: "Sources",
  searching: "Searching…",
  resultCount: "{count} sources found",
  resultCountOne: "1 source found",
  noResults: "No sources match your search.",
  noResultsHint: "Check the spelling or try another type.",
  loadMore: "Show more",
  yourConnections: "Your connections",
  connected: "Connected",
  location: "Location",
  sourceType: "Type",
  signIn: "Sign-in",
  "auth.credentials": "Username and password",
  "auth.credentials_mfa": "Username, password and a verification code",
  "auth.oauth": "Sign in on the provider's own page",
  connect: "Connect",
  disconnect: "Disconnect",
  credentialsHeading: "Sign in to {name}",
  credentialsHint: "Use the username and password of your {name} account.",
  username: "Username",
  password: "Password",
  mfaHeading: "Enter your verification code",
  mfaLabel: "Verification code",
  verify: "Verify",
  oauthHeading: "Sign in to {name}",
  oauthStarting: "Opening the sign-in window…",
  oauthWaiting: "Finish signing in to {name} in the window that opened. This page updates by itself.",
  oauthBlocked: "Your browser blocked the sign-in window. Allow pop-ups for this site, or try again.",
  oauthClosed: "The sign-in window closed before you finished.",
  oauthIdle: "You will sign in to {name} in a new window.",
  oauthIdleRedirect: "You will sign in to {name} on its own page in this window, then come back here.",
  oauthRedirecting: "Taking you to the sign-in page of {name}…",
  oauthBlockedRedirect: "Your browser blocked the sign-in window. Continue in this window, or allow pop-ups for this site and try again.",
  oauthContinueHere: "Continue in this window",
  tryAgain: "Try again",
  connectingHeading: "Connecting to {name}",
  connectingBody: "This can take a few seconds.",
  disconnectingBody: "Disconnecting {name}…",
  doneConnected: "{name} is connected",
  doneDisconnected: "{name} is disconnected",
  doneRepaired: "{name} is reconnected",
  doneRepairedBody: "{client} receives your data from {name} again.",
  needsReauth: "Needs you to sign in again",
  needsReauthBody: "{name} stopped accepting this connection (for example, your password changed). Sign in again to reconnect it; nothing else changes.",
  reconnect: "Reconnect",
  doneConnectedBody: "{client} can now receive your data from {name}.",
  doneDisconnectedBody: "{client} no longer receives new data from {name}.",
  connectAnother: "Connect another source",
  done: "Done",
  connectionsHeading: "Your connections",
  noConnections: "You have not connected any sources yet.",
  findSources: "Find sources",
  confirmHeading: "Disconnect {name}?",
  confirmBody: "{client} will stop receiving new data from {name}. You can connect it again later.",
  errorHeading: "Something went wrong",
  "error.INVALID_CREDENTIALS": "The username or password is not correct.",
  "error.ACCOUNT_LOCKED": "This account is locked. Contact {name} to unlock it, then try again.",
  "error.SOURCE_UNAVAILABLE": "{name} is not available right now. Try again in a few minutes.",
  "error.NETWORK_ERROR": "We could not reach the service. Check your internet connection and try again.",
  "error.INVALID_MFA_CODE": "That code is not correct. Check it and try again.",
  "error.MFA_CHALLENGE_EXPIRED": "That code has expired. Sign in again to get a new one.",
  "error.ALREADY_CONNECTED": "{name} is already connected.",
  "error.NOT_CONNECTED": "{name} is not connected.",
  "error.RATE_LIMITED": "Too many attempts. Wait a moment and try again.",
  "error.OAUTH_FAILED": "Signing in to {name} did not finish.",
  "error.OAUTH_RETURN_URL_NOT_ALLOWED": "This page cannot be returned to after signing in. Nothing was connected.",
  "error.OAUTH_ACCESS_DENIED": "Access to {name} was not allowed. Nothing was connected.",
  "error.OAUTH_ATTEMPT_NOT_FOUND": "This sign-in was not started here, or it has already finished. Nothing was connected.",
  "error.generic": "Something went wrong. Try again.",
  hostedUnavailable: "Open this page from the application that asked you to connect your health data.",
} as const;

/** Every message key; the Spanish catalogue must have all of them. */
export type MessageKey = keyof typeof en;
type Catalog = Record<MessageKey, string>;

const es: Catalog = {
  appTitle: "Conecta tus datos de salud",
  close: "Cerrar",
  back: "Atrás",
  cancel: "Cancelar",
  loading: "Cargando…",
  logoAlt: "Logotipo de {name}",
  searchHeading: "Busca tus fuentes de datos de salud",
  searchLabel: "Buscar proveedores, laboratorios, farmacias y dispositivos",
  typeLabel: "Tipo",
  typeAll: "Todos los tipos",
  "type.hospital": "Hospital",
  "type.clinic": "Clínica",
  "type.lab": "Laboratorio",
  "type.pharmacy": "Farmacia",
  "type.insurer": "Aseguradora",
  "type.wearable": "Dispositivo",
  resultsLabel: "Fuentes",
  searching: "Buscando…",
  resultCount: "{count} fuentes encontradas",
  resultCountOne: "1 fuente encontrada",
  noResults: "Ninguna fuente coincide con tu búsqueda.",
  noResultsHint: "Revisa la ortografía o prueba con otro tipo.",
  loadMore: "Mostrar más",
  yourConnections: "Tus conexiones",
  connected: "Conectada",
  location: "Ubicación",
  sourceType: "Tipo",
  signIn: "Inicio de sesión",
  "auth.credentials": "Usuario y contraseña",
  "auth.credentials_mfa": "Usuario, contraseña y un código de verificación",
  "auth.oauth": "Inicia sesión en la página del proveedor",
  connect: "Conectar",
  disconnect: "Desconectar",
  credentialsHeading: "Inicia sesión en {name}",
  credentialsHint: "Usa el usuario y la contraseña de tu cuenta de {name}.",
  username: "Usuario",
  password: "Contraseña",
  mfaHeading: "Introduce tu código de verificación",
  mfaLabel: "Código de verificación",
  verify: "Verificar",
  oauthHeading: "Inicia sesión en {name}",
  oauthStarting: "Abriendo la ventana de inicio de sesión…",
  oauthWaiting: "Termina de iniciar sesión en {name} en la ventana que se abrió. Esta página se actualiza sola.",
  oauthBlocked: "Tu navegador bloqueó la ventana de inicio de sesión. Permite ventanas emergentes o inténtalo de nuevo.",
  oauthClosed: "La ventana de inicio de sesión se cerró antes de terminar.",
  oauthIdle: "Iniciarás sesión en {name} en una ventana nueva.",
  oauthIdleRedirect: "Iniciarás sesión en {name} en su propia página, en esta ventana, y luego volverás aquí.",
  oauthRedirecting: "Te llevamos a la página de inicio de sesión de {name}…",
  oauthBlockedRedirect:
    "Tu navegador bloqueó la ventana de inicio de sesión. Continúa en esta ventana, o permite ventanas emergentes para este sitio e inténtalo de nuevo.",
  oauthContinueHere: "Continuar en esta ventana",
  tryAgain: "Intentar de nuevo",
  connectingHeading: "Conectando con {name}",
  connectingBody: "Puede tardar unos segundos.",
  disconnectingBody: "Desconectando {name}…",
  doneConnected: "{name} está conectada",
  doneDisconnected: "{name} está desconectada",
  doneRepaired: "{name} está reconectada",
  doneRepairedBody: "{client} vuelve a recibir tus datos de {name}.",
  needsReauth: "Debes iniciar sesión de nuevo",
  needsReauthBody: "{name} dejó de aceptar esta conexión (por ejemplo, cambió tu contraseña). Inicia sesión de nuevo para reconectarla; nada más cambia.",
  reconnect: "Reconectar",
  doneConnectedBody: "{client} ya puede recibir tus datos de {name}.",
  doneDisconnectedBody: "{client} ya no recibe datos nuevos de {name}.",
  connectAnother: "Conectar otra fuente",
  done: "Listo",
  connectionsHeading: "Tus conexiones",
  noConnections: "Todavía no has conectado ninguna fuente.",
  findSources: "Buscar fuentes",
  confirmHeading: "¿Desconectar {name}?",
  confirmBody: "{client} dejará de recibir datos nuevos de {name}. Puedes volver a conectarla más tarde.",
  errorHeading: "Algo salió mal",
  "error.INVALID_CREDENTIALS": "El usuario o la contraseña no son correctos.",
  "error.ACCOUNT_LOCKED": "Esta cuenta está bloqueada. Contacta con {name} para desbloquearla y vuelve a intentarlo.",
  "error.SOURCE_UNAVAILABLE": "{name} no está disponible ahora. Vuelve a intentarlo en unos minutos.",
  "error.NETWORK_ERROR": "No pudimos contactar con el servicio. Revisa tu conexión a internet y vuelve a intentarlo.",
  "error.INVALID_MFA_CODE": "Ese código no es correcto. Revísalo y vuelve a intentarlo.",
  "error.MFA_CHALLENGE_EXPIRED": "Ese código ha caducado. Inicia sesión de nuevo para recibir otro.",
  "error.ALREADY_CONNECTED": "{name} ya está conectada.",
  "error.NOT_CONNECTED": "{name} no está conectada.",
  "error.RATE_LIMITED": "Demasiados intentos. Espera un momento y vuelve a intentarlo.",
  "error.OAUTH_FAILED": "No se completó el inicio de sesión en {name}.",
  "error.OAUTH_RETURN_URL_NOT_ALLOWED": "No se puede volver a esta página después de iniciar sesión. No se conectó nada.",
  "error.OAUTH_ACCESS_DENIED": "No se permitió el acceso a {name}. No se conectó nada.",
  "error.OAUTH_ATTEMPT_NOT_FOUND": "Este inicio de sesión no empezó aquí o ya terminó. No se conectó nada.",
  "error.generic": "Algo salió mal. Vuelve a intentarlo.",
  hostedUnavailable: "Abre esta página desde la aplicación que te pidió conectar tus datos de salud.",
};

/** Languages the app speaks. */
export type Language = "en" | "es";

const catalogs: Record<Language, Catalog> = { en, es };

/** The language in use; screens re-render when it changes. */
export const language = signal<Language>("en");

/** Maps a BCP 47 tag ("es-MX", "en") to a supported language, or null when it is not one. */
export function toLanguage(tag: string | null | undefined): Language | null {
  if (typeof tag !== "string") return null;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return primary === "en" || primary === "es" ? primary : null;
}

/** The first supported language among the candidates (init option, `?lang=`, browser), else English. */
export function chooseLanguage(...candidates: Array<string | null | undefined>): Language {
  for (const c of candidates) {
    const lang = toLanguage(c);
    if (lang) return lang;
  }
  return "en";
}

/** True when `key` names a message, for keys built at run time (error codes, source types). */
export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/** The message for `key` in the current language, with `{placeholders}` filled in. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const template = catalogs[language.value][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

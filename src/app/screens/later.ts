/**
 * The screens that never show first, in a chunk of their own: the first screen (search) loads without them, and this
 * chunk is fetched as soon as Connect is ready, well before a source is chosen.
 */
import "../later.css";

export { enLater } from "../i18n-later.ts";
// Sign-ins start only from the screens below, so their code travels with them.
export { createCredentialsSignIn } from "../models/credentials-sign-in.ts";
export { createOAuthSignIn } from "../models/oauth-sign-in.ts";
export { ConfirmDisconnectScreen } from "./ConfirmDisconnect.tsx";
export { ConnectingScreen } from "./Connecting.tsx";
export { ConnectionsScreen } from "./Connections.tsx";
export { CredentialsScreen } from "./Credentials.tsx";
export { DoneScreen } from "./Done.tsx";
export { MfaScreen } from "./Mfa.tsx";
export { OAuthScreen } from "./OAuth.tsx";
export { SourceDetailScreen } from "./SourceDetail.tsx";

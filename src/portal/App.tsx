import { t } from "./i18n.ts";
import { useEffect, useRef, useState } from "preact/hooks";
import { call, setCsrfToken, whenSessionEnds, PortalApiError, type SessionInfo } from "./api.ts";
import { Notice, errorOutcome, type Outcome } from "./Notice.tsx";
import { DeliveriesScreen } from "./screens/Deliveries.tsx";
import { InviteScreen } from "./screens/Invite.tsx";
import { OverviewScreen } from "./screens/Overview.tsx";
import { SettingsScreen } from "./screens/Settings.tsx";
import { TemplatesScreen } from "./screens/Templates.tsx";
import { UsersScreen } from "./screens/Users.tsx";

const SCREENS = ["overview", "users", "invite", "templates", "settings", "deliveries"] as const;
type ScreenId = (typeof SCREENS)[number];

/** How the last session ended: whose it was, and what to tell on the sign-in screen. */
interface Ended {
  clientId: string;
  notice: string | null;
}

/** The Portal: sign in with the client id and secret, then the client's screens. */
export function PortalApp() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const [ended, setEnded] = useState<Ended | null>(null);
  const current = useRef<SessionInfo | null>(null);

  function start(s: SessionInfo) {
    setCsrfToken(s.csrf_token);
    current.current = s;
    setSession(s);
  }

  function end(notice: string | null) {
    const s = current.current;
    current.current = null;
    if (s) setEnded({ clientId: s.client.client_id, notice });
    setSession(null);
  }

  useEffect(() => {
    // Any call answering 401 means the session is over (expired, signed out elsewhere, the secret rotated).
    whenSessionEnds(() => end(t.sessionEnded));
    call<SessionInfo>("GET", "/session").then(start, () => setSession(null));
  }, []);

  if (session === undefined) return <p class="loading">{t.loading}</p>;
  if (session === null) return <SignIn ended={ended} onSignedIn={start} />;
  return <Shell session={session} onSignedOut={end} />;
}

function SignIn(props: { ended: Ended | null; onSignedIn: (s: SessionInfo) => void }) {
  const { ended } = props;
  const [clientId, setClientId] = useState(ended?.clientId ?? "");
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const idField = useRef<HTMLInputElement>(null);
  const secretField = useRef<HTMLInputElement>(null);

  useEffect(() => {
    // Back here from a session, focus goes where typing continues (the client id is kept).
    if (ended) (ended.clientId ? secretField : idField).current?.focus();
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setOutcome({ kind: "idle" });
    try {
      const s = await call<SessionInfo>("POST", "/sign-in", { client_id: clientId.trim(), client_secret: secret });
      setSecret("");
      props.onSignedIn(s);
    } catch (err) {
      setOutcome(
        err instanceof PortalApiError && err.status === 401
          ? { kind: "error", text: t.wrongCredentials }
          : errorOutcome(err),
      );
    } finally {
      setBusy(false);
    }
  }

  const described = ended?.notice ? "sign-in-notice" : undefined;
  return (
    <main class="sign-in">
      <h1>{t.portalTitle}</h1>
      <p>{t.signInIntro}</p>
      {ended?.notice && (
        <p id="sign-in-notice" class="notice info">
          {ended.notice}
        </p>
      )}
      <form onSubmit={submit}>
        <label for="client-id">{t.clientId}</label>
        <input
          id="client-id"
          ref={idField}
          name="client_id"
          autocomplete="username"
          required
          aria-describedby={described}
          value={clientId}
          onInput={(e) => setClientId(e.currentTarget.value)}
        />
        <label for="client-secret">{t.clientSecret}</label>
        <input
          id="client-secret"
          ref={secretField}
          name="client_secret"
          type="password"
          autocomplete="current-password"
          required
          aria-describedby={described}
          value={secret}
          onInput={(e) => setSecret(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? t.signingIn : t.signIn}
        </button>
      </form>
      <Notice outcome={outcome} />
    </main>
  );
}

function Shell(props: { session: SessionInfo; onSignedOut: (notice: string | null) => void }) {
  const [screen, setScreen] = useState<ScreenId>("overview");
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);

  useEffect(() => {
    // Moving focus to the new screen's heading tells screen-reader users where they are.
    if (first.current) first.current = false;
    else heading.current?.focus();
  }, [screen]);

  async function signOut() {
    await call("POST", "/sign-out").catch(() => undefined);
    props.onSignedOut(null);
  }

  return (
    <div class="shell">
      <header>
        <p class="brand">
          {t.portalTitle} · <strong>{props.session.client.name}</strong>
        </p>
        <nav aria-label={t.portalNav}>
          <ul>
            {SCREENS.map((id) => (
              <li key={id}>
                <button type="button" aria-current={screen === id ? "page" : undefined} onClick={() => setScreen(id)}>
                  {t.screens[id]}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="secondary" onClick={signOut}>
          {t.signOut}
        </button>
      </header>
      <main>
        <h1 ref={heading} tabIndex={-1}>
          {t.screens[screen]}
        </h1>
        {screen === "overview" && <OverviewScreen />}
        {screen === "users" && <UsersScreen />}
        {screen === "invite" && <InviteScreen mailTransport={props.session.mail_transport ?? null} />}
        {screen === "templates" && <TemplatesScreen />}
        {screen === "settings" && <SettingsScreen onSignInAgain={() => props.onSignedOut(t.signInWithNewSecret)} />}
        {screen === "deliveries" && <DeliveriesScreen />}
      </main>
    </div>
  );
}

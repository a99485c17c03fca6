import { t } from "./i18n.ts";
import { useEffect, useRef, useState } from "preact/hooks";
import { call, setCsrfToken, PortalApiError, type SessionInfo } from "./api.ts";
import { Notice, errorOutcome, type Outcome } from "./Notice.tsx";
import { DeliveriesScreen } from "./screens/Deliveries.tsx";
import { InviteScreen } from "./screens/Invite.tsx";
import { SettingsScreen } from "./screens/Settings.tsx";
import { TemplatesScreen } from "./screens/Templates.tsx";
import { UsersScreen } from "./screens/Users.tsx";

const SCREENS = [
  { id: "users", label: t.screens.users },
  { id: "invite", label: t.screens.invite },
  { id: "templates", label: t.screens.templates },
  { id: "settings", label: t.screens.settings },
  { id: "deliveries", label: t.screens.deliveries },
] as const;
type ScreenId = (typeof SCREENS)[number]["id"];

/** The Portal: sign in with the client id and secret, then the client's screens. */
export function PortalApp() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);

  useEffect(() => {
    call<SessionInfo>("GET", "/session").then(
      (s) => {
        setCsrfToken(s.csrf_token);
        setSession(s);
      },
      () => setSession(null),
    );
  }, []);

  if (session === undefined) return <p class="loading">{t.loading}</p>;
  if (session === null) {
    return (
      <SignIn
        onSignedIn={(s) => {
          setCsrfToken(s.csrf_token);
          setSession(s);
        }}
      />
    );
  }
  return <Shell session={session} onSignedOut={() => setSession(null)} />;
}

function SignIn(props: { onSignedIn: (s: SessionInfo) => void }) {
  const [clientId, setClientId] = useState("");
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });

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

  return (
    <main class="sign-in">
      <h1>{t.portalTitle}</h1>
      <p>{t.signInIntro}</p>
      <form onSubmit={submit}>
        <label for="client-id">{t.clientId}</label>
        <input id="client-id" name="client_id" autocomplete="username" required value={clientId} onInput={(e) => setClientId(e.currentTarget.value)} />
        <label for="client-secret">{t.clientSecret}</label>
        <input
          id="client-secret"
          name="client_secret"
          type="password"
          autocomplete="current-password"
          required
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

function Shell(props: { session: SessionInfo; onSignedOut: () => void }) {
  const [screen, setScreen] = useState<ScreenId>("users");
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);

  useEffect(() => {
    // Moving focus to the new screen's heading tells screen-reader users where they are.
    if (first.current) first.current = false;
    else heading.current?.focus();
  }, [screen]);

  async function signOut() {
    await call("POST", "/sign-out").catch(() => undefined);
    props.onSignedOut();
  }

  const label = SCREENS.find((s) => s.id === screen)!.label;
  return (
    <div class="shell">
      <header>
        <p class="brand">
          {t.portalTitle} · <strong>{props.session.client.name}</strong>
        </p>
        <nav aria-label={t.portalNav}>
          <ul>
            {SCREENS.map((s) => (
              <li key={s.id}>
                <button type="button" aria-current={screen === s.id ? "page" : undefined} onClick={() => setScreen(s.id)}>
                  {s.label}
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
          {label}
        </h1>
        {screen === "users" && <UsersScreen />}
        {screen === "invite" && <InviteScreen mailTransport={props.session.mail_transport ?? null} />}
        {screen === "templates" && <TemplatesScreen />}
        {screen === "settings" && <SettingsScreen onSignedOut={props.onSignedOut} />}
        {screen === "deliveries" && <DeliveriesScreen />}
      </main>
    </div>
  );
}

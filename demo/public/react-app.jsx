// The Demo Health page as a React 19 app: sign in as a user, open Connect with useHumanConnect (a token fetched from
// our backend on click), and log every callback and event payload. scripts/build.mjs bundles it to dist/demo/.
import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { useHumanConnect } from "human-connect/react";

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") ?? "";
const USER_KEY = "demo-health:user";
let nextKey = 0;

function Demo() {
  const [user, setUser] = useState(() => JSON.parse(sessionStorage.getItem(USER_KEY) || "null"));
  const [log, setLog] = useState([]);
  const [connections, setConnections] = useState(null);
  const [note, setNote] = useState("");
  const add = (name, payload) => setLog((entries) => [{ name, payload, time: new Date().toLocaleTimeString(), key: nextKey++ }, ...entries]);

  const hc = useHumanConnect({
    baseUrl: meta("hc-connect-url"),
    clientId: meta("hc-client-id"),
    clientUserId: user?.userId,
    onReady: () => add("onReady", {}),
    onEvent: (event) => add("onEvent", event),
    onConnectSource: (response) => {
      add("onConnectSource", response);
      setConnections(response.currentConnections);
    },
    onDisconnectSource: (response) => {
      add("onDisconnectSource", response);
      setConnections(response.currentConnections);
    },
    onClose: (response) => {
      add("onClose", response);
      if (response.status === "SUCCESS") setConnections(response.currentConnections);
      setNote(`Connect closed: ${response.status}`);
    },
  });

  function signIn(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = { userId: String(form.get("userId")).trim(), email: String(form.get("email")).trim() };
    if (!next.userId || !next.email) return;
    sessionStorage.setItem(USER_KEY, JSON.stringify(next));
    setUser(next);
    setConnections(null);
  }

  async function connect() {
    setNote("Asking our backend for a Connect token…");
    try {
      const res = await fetch("/api/token", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(user),
      });
      const body = await res.json();
      if (!res.ok) {
        add("error", body);
        setNote(`Could not get a token: ${body.errorCode}`);
        return;
      }
      add("token", { kind: body.kind });
      setNote(body.kind === "id" ? "Returning user: opened Connect with an id token." : "New user: opened Connect with a session token.");
      hc.open({ token: body.token });
    } catch (err) {
      add("error", { message: String(err) });
      setNote("");
    }
  }

  const status = hc.isOpen ? (hc.ready ? "Connect is open and ready." : "Connect is loading…") : note;
  return (
    <>
      <section aria-labelledby="h-user">
        <h2 id="h-user">1. Sign in as a user</h2>
        <form aria-label="Sign in as" onSubmit={signIn}>
          <label>
            User id
            <input name="userId" required maxLength={255} autoComplete="username" defaultValue={user?.userId ?? "user-1"} />
          </label>
          <label>
            Email
            <input name="email" type="email" required maxLength={254} autoComplete="email" defaultValue={user?.email ?? "user-1@example.com"} />
          </label>
          <button type="submit">Sign in</button>
        </form>
        <p className="status" role="status">
          {user ? `Signed in as ${user.userId} (${user.email}).` : "Not signed in."}
        </p>
      </section>
      <section aria-labelledby="h-connect" className="react-panel">
        <h2 id="h-connect">2. Connect (React hook)</h2>
        <button type="button" onClick={connect} disabled={!user || hc.isOpen}>
          Connect your health data
        </button>
        <p className="status" id="connect-status" aria-live="polite">
          {status}
        </p>
      </section>
      <section aria-labelledby="h-connections">
        <h2 id="h-connections">Your current connections</h2>
        <ul id="connections">
          {connections === null ? (
            <li>Unknown yet: open Connect to see them.</li>
          ) : connections.length ? (
            connections.map((s) => <li key={s.id}>{`${s.name} (${s.id})`}</li>)
          ) : (
            <li>None</li>
          )}
        </ul>
      </section>
      <section aria-labelledby="h-log">
        <h2 id="h-log">Live log</h2>
        <button type="button" className="secondary" onClick={() => setLog([])}>
          Clear log
        </button>
        <ol id="log" aria-label="Callback and event log">
          {log.map((entry) => (
            <li key={entry.key} data-callback={entry.name} data-kind={entry.name === "error" ? "error" : "callback"}>
              <strong>{entry.name}</strong>
              {` at ${entry.time}`}
              <pre>{JSON.stringify(entry.payload, null, 2)}</pre>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}

createRoot(document.getElementById("demo")).render(
  <StrictMode>
    <Demo />
  </StrictMode>,
);

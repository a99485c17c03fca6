import { t } from "../i18n.ts";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ConnectionView } from "../../protocol/connect-api.ts";
import { call, type UserRow } from "../api.ts";
import { LifetimeSelect } from "../LifetimeSelect.tsx";
import { Notice, errorOutcome, when, type Outcome } from "../Notice.tsx";

/** One user's connections with their health, and a repair link for any that needs re-authorisation. */
export function UserConnections(props: { user: UserRow; onClose: () => void }) {
  const { user } = props;
  const [connections, setConnections] = useState<ConnectionView[] | null>(null);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const [repairing, setRepairing] = useState<ConnectionView | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    setConnections(null);
    setRepairing(null);
    // The panel opens below the table: focus moves to its heading so keyboard and screen reader users land on it.
    heading.current?.focus();
    call<{ connections: ConnectionView[] }>("GET", `/users/${encodeURIComponent(user.client_user_id)}/connections`).then(
      (r) => {
        setConnections(r.connections);
        setOutcome({ kind: "idle" });
      },
      (err) => setOutcome(errorOutcome(err)),
    );
  }, [user.client_user_id]);

  return (
    // Not a landmark of its own: the table's scroll region already carries this name.
    <div class="panel">
      <h2 id="user-connections-heading" tabIndex={-1} ref={heading}>
        {t.connectionsOf(user.client_user_id)}
      </h2>
      <Notice outcome={outcome} />
      {connections?.length === 0 && <p>{t.noUserConnections}</p>}
      {connections && connections.length > 0 && (
        <div class="table-scroll" role="region" aria-labelledby="user-connections-heading" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.sourceCol}</th>
                <th scope="col">{t.status}</th>
                <th scope="col">{t.statusChangedCol}</th>
                <th scope="col">{t.connectedCol}</th>
                <th scope="col">{t.actionCol}</th>
              </tr>
            </thead>
            <tbody>
              {connections.map((c) => (
                <tr key={c.source.id}>
                  <th scope="row">{c.source.name}</th>
                  <td>
                    <span class={`status status-${c.status}`}>{t.connectionStatuses[c.status]}</span>
                    {c.status_reason && <span class="reason"> {t.statusReasons[c.status_reason]}</span>}
                  </td>
                  <td>{when(c.status_changed_at)}</td>
                  <td>{when(c.connected_at)}</td>
                  <td>
                    {c.status === "needs_reauth" ? (
                      <button
                        type="button"
                        class="secondary"
                        aria-label={`${t.makeRepairLink}: ${c.source.name}`}
                        aria-expanded={repairing?.source.id === c.source.id}
                        onClick={() => setRepairing(c)}
                      >
                        {t.makeRepairLink}
                      </button>
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {repairing && <RepairLinkForm key={repairing.source.id} user={user} connection={repairing} />}
      <button type="button" class="secondary" onClick={props.onClose}>
        {t.closeConnections}
      </button>
    </div>
  );
}

/** Makes an invite link that opens hosted Connect straight on the repair of one connection. */
function RepairLinkForm(props: { user: UserRow; connection: ConnectionView }) {
  const { user, connection } = props;
  const [email, setEmail] = useState(user.email ?? "");
  const [expiresIn, setExpiresIn] = useState("3d");
  const [url, setUrl] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const emailInput = useRef<HTMLInputElement>(null);

  useEffect(() => emailInput.current?.focus(), []);

  async function submit(e: Event) {
    e.preventDefault();
    setOutcome({ kind: "idle" });
    try {
      const made = await call<{ url: string; expires_at: string }>("POST", "/connect/invite-links", {
        client_user_id: user.client_user_id,
        email: email.trim(),
        expires_in: expiresIn,
        source_id: connection.source.id,
      });
      setUrl(made.url);
      setOutcome({ kind: "ok", text: t.repairLinkCreated(connection.source.name, new Date(made.expires_at).toLocaleString()) });
    } catch (err) {
      setUrl(null);
      setOutcome(errorOutcome(err));
    }
  }

  return (
    <form onSubmit={submit} aria-labelledby="repair-heading">
      <h3 id="repair-heading">{t.repairLinkHeading(connection.source.name)}</h3>
      <p class="hint">{t.repairLinkHint}</p>
      <label for="repair-email">{t.email}</label>
      <input id="repair-email" ref={emailInput} type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      <LifetimeSelect id="repair-expiry" value={expiresIn} onChange={setExpiresIn} />
      <button type="submit">{t.createRepairLink}</button>
      <Notice outcome={outcome}>
        {url && (
          <>
            <label for="repair-url">{t.repairLink}</label>
            <input id="repair-url" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
          </>
        )}
      </Notice>
    </form>
  );
}

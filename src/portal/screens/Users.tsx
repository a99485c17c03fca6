import { t } from "../i18n.ts";
import { useEffect, useState } from "preact/hooks";
import { call, type UserRow, type UsersPage } from "../api.ts";
import { Notice, errorOutcome, when, type Outcome } from "../Notice.tsx";
import { UserConnections } from "./UserConnections.tsx";

const PER_PAGE = 20;

/** The client's users with their status (Invited, Engaged, Connected), filterable and paged. */
export function UsersScreen() {
  const [status, setStatus] = useState("");
  const [page, setPage] = useState(1);
  const [data, setData] = useState<UsersPage | null>(null);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const [tick, setTick] = useState(0);
  const [shown, setShown] = useState<UserRow | null>(null);

  function closeConnections() {
    const opener = shown && document.getElementById(connectionsButtonId(shown));
    setShown(null);
    opener?.focus();
  }

  useEffect(() => {
    const qs = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE) });
    if (status) qs.set("status", status);
    call<UsersPage>("GET", `/users?${qs}`).then(
      (d) => {
        setData(d);
        setOutcome({ kind: "idle" });
      },
      (err) => setOutcome(errorOutcome(err)),
    );
  }, [status, page, tick]);

  const pages = data ? Math.max(1, Math.ceil(data.total / PER_PAGE)) : 1;
  return (
    <section>
      <div class="toolbar">
        <label for="status-filter">{t.status}</label>
        <select
          id="status-filter"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            setPage(1);
          }}
        >
          <option value="">{t.all}</option>
          <option value="invited">{t.statusLabels.invited}</option>
          <option value="engaged">{t.statusLabels.engaged}</option>
          <option value="connected">{t.statusLabels.connected}</option>
        </select>
        <button type="button" class="secondary" onClick={() => setTick(tick + 1)}>
          {t.refresh}
        </button>
      </div>
      <Notice outcome={outcome} />
      <h2 id="users-list">{data ? t.usersCount(data.total) : t.screens.users}</h2>
      {data && data.users.length === 0 && <p>{t.noUsers}</p>}
      {data && data.users.length > 0 && (
        // Narrow screens scroll the table, not the page; the region can take focus to scroll by keyboard.
        <div class="table-scroll" role="region" aria-labelledby="users-list" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.clientUserId}</th>
                <th scope="col">{t.email}</th>
                <th scope="col">{t.status}</th>
                <th scope="col">{t.invitedCol}</th>
                <th scope="col">{t.engagedCol}</th>
                <th scope="col">{t.connectedCol}</th>
                <th scope="col">{t.sourcesCol}</th>
                <th scope="col">{t.actionCol}</th>
              </tr>
            </thead>
            <tbody>
              {data.users.map((u) => (
                <tr key={u.human_id}>
                  <th scope="row">{u.client_user_id}</th>
                  <td>{u.email ?? "—"}</td>
                  <td>
                    <span class={`status status-${u.status}`}>{t.statusLabels[u.status] ?? u.status}</span>
                  </td>
                  <td>{when(u.invited_at)}</td>
                  <td>{when(u.engaged_at)}</td>
                  <td>{when(u.connected_at)}</td>
                  <td>
                    {u.connections}
                    {u.connections_needing_reauth > 0 && (
                      <span class="status status-needs_reauth">{t.needingReauth(u.connections_needing_reauth)}</span>
                    )}
                  </td>
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      id={connectionsButtonId(u)}
                      aria-label={`${t.showConnections}: ${u.client_user_id}`}
                      aria-expanded={shown?.human_id === u.human_id}
                      onClick={() => setShown(u)}
                    >
                      {t.showConnections}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {shown && <UserConnections user={shown} onClose={closeConnections} />}
      {pages > 1 && (
        <nav class="pager" aria-label={t.pagesOfUsers}>
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            {t.previous}
          </button>
          <span>{t.pageOf(page, pages)}</span>
          <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            {t.next}
          </button>
        </nav>
      )}
    </section>
  );
}

const connectionsButtonId = (u: UserRow) => `connections-of-${u.human_id}`;

import { useEffect, useState } from "preact/hooks";
import { call, type UsersPage } from "../api.ts";
import { Notice, errorOutcome, when, type Outcome } from "../Notice.tsx";

const STATUS_LABELS: Record<string, string> = { created: "Created", invited: "Invited", engaged: "Engaged", connected: "Connected" };
const PER_PAGE = 20;

/** The client's users with their status (Invited, Engaged, Connected), filterable and paged. */
export function UsersScreen() {
  const [status, setStatus] = useState("");
  const [page, setPage] = useState(1);
  const [data, setData] = useState<UsersPage | null>(null);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const [tick, setTick] = useState(0);

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
    <section aria-labelledby="users-list">
      <div class="toolbar">
        <label for="status-filter">Status</label>
        <select
          id="status-filter"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            setPage(1);
          }}
        >
          <option value="">All</option>
          <option value="invited">Invited</option>
          <option value="engaged">Engaged</option>
          <option value="connected">Connected</option>
        </select>
        <button type="button" class="secondary" onClick={() => setTick(tick + 1)}>
          Refresh
        </button>
      </div>
      <Notice outcome={outcome} />
      <h2 id="users-list">{data ? `${data.total} user${data.total === 1 ? "" : "s"}` : "Users"}</h2>
      {data && data.users.length === 0 && <p>No users yet. Create an invite link to get started.</p>}
      {data && data.users.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Client user id</th>
              <th scope="col">Email</th>
              <th scope="col">Status</th>
              <th scope="col">Invited</th>
              <th scope="col">Engaged</th>
              <th scope="col">Connected</th>
              <th scope="col">Sources</th>
            </tr>
          </thead>
          <tbody>
            {data.users.map((u) => (
              <tr key={u.human_id}>
                <th scope="row">{u.client_user_id}</th>
                <td>{u.email ?? "—"}</td>
                <td>
                  <span class={`status status-${u.status}`}>{STATUS_LABELS[u.status] ?? u.status}</span>
                </td>
                <td>{when(u.invited_at)}</td>
                <td>{when(u.engaged_at)}</td>
                <td>{when(u.connected_at)}</td>
                <td>{u.connections}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages > 1 && (
        <nav class="pager" aria-label="Pages of users">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            Page {page} of {pages}
          </span>
          <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
    </section>
  );
}

import { t } from "../i18n.ts";
import { useEffect, useState } from "preact/hooks";
import { call, type DeliveryView } from "../api.ts";
import { Notice, errorOutcome, when, type Outcome } from "../Notice.tsx";

/** The webhook delivery log: each message with its attempts. */
export function DeliveriesScreen() {
  const [deliveries, setDeliveries] = useState<DeliveryView[] | null>(null);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    call<{ deliveries: DeliveryView[] }>("GET", "/webhook-deliveries?per_page=50").then(
      (r) => setDeliveries(r.deliveries),
      (err) => setOutcome(errorOutcome(err)),
    );
  }, [tick]);

  return (
    <section aria-labelledby="log-heading">
      <h2 id="log-heading">{t.latestMessages}</h2>
      <button type="button" class="secondary" onClick={() => setTick(tick + 1)}>
        {t.refresh}
      </button>
      <Notice outcome={outcome} />
      {deliveries && deliveries.length === 0 && <p>{t.noMessages}</p>}
      {deliveries && deliveries.length > 0 && (
        <ul class="deliveries">
          {deliveries.map((d) => (
            <li key={d.webhook_id}>
              <details>
                <summary>
                  <span class={`state state-${d.state}`}>{t.deliveryStates[d.state] ?? d.state}</span> <strong>{d.type}</strong> · {when(d.created_at)} · {t.attemptsCount(d.attempts)}
                  {d.last_status !== null ? ` · ${t.lastHttp(d.last_status)}` : d.last_error ? ` · ${d.last_error}` : ""}
                </summary>
                <p>
                  webhook-id <code>{d.webhook_id}</code>
                  {d.next_attempt_at && <> · {t.nextAttempt} {when(d.next_attempt_at)}</>}
                </p>
                {d.log.length > 0 && (
                  // Narrow screens scroll the table, not the page; the group can take focus to scroll by keyboard.
                  <div class="table-scroll" role="group" aria-labelledby={`attempts-${d.webhook_id}`} tabIndex={0}>
                    <table>
                      <caption id={`attempts-${d.webhook_id}`}>{t.attempts}</caption>
                      <thead>
                        <tr>
                          <th scope="col">#</th>
                          <th scope="col">{t.at}</th>
                          <th scope="col">{t.outcome}</th>
                          <th scope="col">{t.httpStatus}</th>
                          <th scope="col">{t.error}</th>
                          <th scope="col">ms</th>
                        </tr>
                      </thead>
                      <tbody>
                        {d.log.map((a) => (
                          <tr key={a.attempt}>
                            <td>{a.attempt}</td>
                            <td>{when(a.at)}</td>
                            <td>{t.attemptOutcomes[a.outcome] ?? a.outcome}</td>
                            <td>{a.status ?? "—"}</td>
                            <td>{a.error ?? ""}</td>
                            <td>{a.duration_ms}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
                <pre>{JSON.stringify(d.payload, null, 2)}</pre>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

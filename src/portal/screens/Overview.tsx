import { useEffect, useState } from "preact/hooks";
import { DELIVERY_HEALTH_STATES, OVERVIEW_PERIODS, type OverviewPeriod, type PortalOverview } from "../../protocol/portal-overview.ts";
import { call } from "../api.ts";
import { t } from "../i18n.ts";
import { Notice, errorOutcome, type Outcome } from "../Notice.tsx";
import { BarChart } from "../overview/BarChart.tsx";
import { funnelSteps } from "../overview/funnel.ts";

const percent = (ratio: number | null) => (ratio === null ? "—" : `${Math.round(ratio * 100)}%`);

/** The first screen: users by status as a funnel, connections by source type and webhook delivery health. */
export function OverviewScreen() {
  const [days, setDays] = useState<OverviewPeriod>(30);
  const [data, setData] = useState<PortalOverview | null>(null);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });

  useEffect(() => {
    call<PortalOverview>("GET", `/overview?days=${days}`).then(
      (d) => {
        setData(d);
        setOutcome({ kind: "idle" });
      },
      (err) => setOutcome(errorOutcome(err)),
    );
  }, [days]);

  return (
    <>
      <div class="toolbar">
        <label for="overview-period">{t.period}</label>
        <select id="overview-period" value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value) as OverviewPeriod)}>
          {OVERVIEW_PERIODS.map((p) => (
            <option key={p} value={String(p)}>
              {t.periods[String(p)]}
            </option>
          ))}
        </select>
      </div>
      <Notice outcome={outcome} />
      {data && <Figures data={data} />}
    </>
  );
}

function Figures({ data }: { data: PortalOverview }) {
  const steps = funnelSteps(data.users);
  const total = steps[0]?.reached ?? 0;
  const period = t.periods[String(data.days)] ?? "";
  const connectionsTotal = data.connections.reduce((n, c) => n + c.count, 0);
  return (
    <>
      <section aria-labelledby="funnel-heading">
        <h2 id="funnel-heading">{t.funnelHeading}</h2>
        <p class="hint">{t.funnelIntro}</p>
        <BarChart
          id="funnel"
          title={`${t.funnelHeading}, ${period}`}
          description={t.funnelSummary(total, data.users.connected)}
          bars={steps.map((s) => ({
            label: t.funnelSteps[s.status] ?? s.status,
            value: s.reached,
            text: s.conversion === null ? String(s.reached) : `${s.reached} · ${percent(s.conversion)}`,
          }))}
          table={
            <table>
              <caption>{t.funnelHeading}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.step}</th>
                  <th scope="col">{t.nowInStatus}</th>
                  <th scope="col">{t.reached}</th>
                  <th scope="col">{t.conversion}</th>
                </tr>
              </thead>
              <tbody>
                {steps.map((s) => (
                  <tr key={s.status}>
                    <th scope="row">{t.statusLabels[s.status] ?? s.status}</th>
                    <td data-now={s.status}>{s.now}</td>
                    <td data-reached={s.status}>{s.reached}</td>
                    <td>{percent(s.conversion)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          }
        />
      </section>
      <section aria-labelledby="connections-heading">
        <h2 id="connections-heading">{t.connectionsHeading}</h2>
        <p class="hint">{t.connectionsIntro}</p>
        {data.connections.length === 0 ? (
          <p>{t.noConnections}</p>
        ) : (
          <BarChart
            id="connections"
            title={`${t.connectionsHeading}, ${period}`}
            description={t.connectionsSummary(connectionsTotal)}
            bars={data.connections.map((c) => ({ label: t.sourceTypes[c.type] ?? c.type, value: c.count, text: String(c.count) }))}
            table={
              <table>
                <caption>{t.connectionsHeading}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t.sourceType}</th>
                    <th scope="col">{t.connectionsCol}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.connections.map((c) => (
                    <tr key={c.type}>
                      <th scope="row">{t.sourceTypes[c.type] ?? c.type}</th>
                      <td data-connections={c.type}>{c.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            }
          />
        )}
      </section>
      <section aria-labelledby="webhooks-heading">
        <h2 id="webhooks-heading">{t.webhooksHeading}</h2>
        <p class="hint">{t.webhooksIntro}</p>
        <BarChart
          id="webhooks"
          title={`${t.webhooksHeading}, ${period}`}
          description={t.webhooksSummary(data.webhooks.delivered, data.webhooks.retrying, data.webhooks.failed)}
          bars={DELIVERY_HEALTH_STATES.map((s) => ({ label: t.healthStates[s] ?? s, value: data.webhooks[s], text: String(data.webhooks[s]) }))}
          table={
            <table>
              <caption>{t.webhooksHeading}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.deliveryState}</th>
                  <th scope="col">{t.messagesCol}</th>
                </tr>
              </thead>
              <tbody>
                {DELIVERY_HEALTH_STATES.map((s) => (
                  <tr key={s}>
                    <th scope="row">{t.healthStates[s] ?? s}</th>
                    <td data-webhooks={s}>{data.webhooks[s]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          }
        />
      </section>
    </>
  );
}

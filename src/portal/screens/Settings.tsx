import { useEffect, useState } from "preact/hooks";
import { PortalApiError, call, type ClientSettings, type EndpointView } from "../api.ts";
import { Notice, errorOutcome, type Outcome } from "../Notice.tsx";

/** The webhook endpoint (its `whsec_` secret is shown once) and the redirect URL after hosted Connect. */
export function SettingsScreen() {
  const [endpoint, setEndpoint] = useState<EndpointView | null>(null);
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const [hookOutcome, setHookOutcome] = useState<Outcome>({ kind: "idle" });
  const [redirect, setRedirect] = useState("");
  const [redirectOutcome, setRedirectOutcome] = useState<Outcome>({ kind: "idle" });

  useEffect(() => {
    call<EndpointView>("GET", "/webhook-endpoint").then(
      (e) => {
        setEndpoint(e);
        setUrl(e.url);
      },
      (err) => {
        if (!(err instanceof PortalApiError && err.status === 404)) setHookOutcome(errorOutcome(err));
      },
    );
    call<ClientSettings>("GET", "/client-settings").then(
      (s) => setRedirect(s.redirect_url ?? ""),
      (err) => setRedirectOutcome(errorOutcome(err)),
    );
  }, []);

  async function saveEndpoint(rotate: boolean) {
    try {
      const saved = await call<EndpointView>("PUT", "/webhook-endpoint", { url: url.trim(), rotate_secret: rotate });
      setEndpoint(saved);
      setSecret(saved.secret ?? null);
      setHookOutcome({ kind: "ok", text: saved.secret ? "Endpoint saved. Copy the signing secret now: it is shown only once." : "Endpoint saved." });
    } catch (err) {
      setHookOutcome(errorOutcome(err));
    }
  }

  async function saveRedirect(e: Event) {
    e.preventDefault();
    try {
      const saved = await call<ClientSettings>("PUT", "/client-settings", { redirect_url: redirect.trim() === "" ? null : redirect.trim() });
      setRedirect(saved.redirect_url ?? "");
      setRedirectOutcome({ kind: "ok", text: saved.redirect_url ? "Redirect URL saved." : "Redirect URL removed: users see a done page." });
    } catch (err) {
      setRedirectOutcome(errorOutcome(err));
    }
  }

  return (
    <>
      <section aria-labelledby="hook-heading">
        <h2 id="hook-heading">Webhook endpoint</h2>
        {endpoint && (
          <p>
            Status: <strong>{endpoint.enabled ? "Enabled" : `Disabled (${endpoint.disabled_reason ?? "by you"})`}</strong>
          </p>
        )}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void saveEndpoint(false);
          }}
        >
          <label for="hook-url">Endpoint URL</label>
          <input id="hook-url" type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
          <div class="actions">
            <button type="submit">Save endpoint</button>
            {endpoint && (
              <button type="button" class="secondary" onClick={() => void saveEndpoint(true)}>
                Save and rotate the secret
              </button>
            )}
          </div>
        </form>
        <Notice outcome={hookOutcome}>
          {secret && (
            <>
              <label for="hook-secret">Signing secret</label>
              <input id="hook-secret" readOnly value={secret} onFocus={(e) => e.currentTarget.select()} />
            </>
          )}
        </Notice>
      </section>
      <section aria-labelledby="redirect-heading">
        <h2 id="redirect-heading">Redirect after hosted Connect</h2>
        <p class="hint">When set, users who close Connect from an invite link are sent here with ?status=…&amp;connected=N.</p>
        <form onSubmit={saveRedirect}>
          <label for="redirect-url">Redirect URL</label>
          <input id="redirect-url" type="url" value={redirect} onInput={(e) => setRedirect(e.currentTarget.value)} />
          <button type="submit">Save redirect URL</button>
        </form>
        <Notice outcome={redirectOutcome} />
      </section>
    </>
  );
}

import { useEffect, useRef, useState } from "preact/hooks";
import { PortalApiError, call, type ClientSettings, type EndpointView } from "../api.ts";
import { t } from "../i18n.ts";
import { Notice, errorOutcome, type Outcome } from "../Notice.tsx";

/**
 * The webhook endpoint (its `whsec_` secret is shown once), the redirect URL after hosted Connect, and rotation of
 * the client secret.
 */
export function SettingsScreen(props: { onSignInAgain: () => void }) {
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
      setHookOutcome({ kind: "ok", text: saved.secret ? t.endpointSavedWithSecret : t.endpointSaved });
    } catch (err) {
      setHookOutcome(errorOutcome(err));
    }
  }

  async function saveRedirect(e: Event) {
    e.preventDefault();
    try {
      const saved = await call<ClientSettings>("PUT", "/client-settings", { redirect_url: redirect.trim() === "" ? null : redirect.trim() });
      setRedirect(saved.redirect_url ?? "");
      setRedirectOutcome({ kind: "ok", text: saved.redirect_url ? t.redirectSaved : t.redirectRemoved });
    } catch (err) {
      setRedirectOutcome(errorOutcome(err));
    }
  }

  return (
    <>
      <section aria-labelledby="hook-heading">
        <h2 id="hook-heading">{t.webhookHeading}</h2>
        {endpoint && (
          <p>
            {t.status}: <strong>{endpoint.enabled ? t.statusEnabled : t.statusDisabled(endpoint.disabled_reason)}</strong>
          </p>
        )}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void saveEndpoint(false);
          }}
        >
          <label for="hook-url">{t.endpointUrl}</label>
          <input id="hook-url" type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
          <div class="actions">
            <button type="submit">{t.saveEndpoint}</button>
            {endpoint && (
              <button type="button" class="secondary" onClick={() => void saveEndpoint(true)}>
                {t.saveAndRotate}
              </button>
            )}
          </div>
        </form>
        <Notice outcome={hookOutcome}>
          {secret && (
            <>
              <label for="hook-secret">{t.signingSecret}</label>
              <input id="hook-secret" readOnly value={secret} onFocus={(e) => e.currentTarget.select()} />
            </>
          )}
        </Notice>
      </section>
      <section aria-labelledby="redirect-heading">
        <h2 id="redirect-heading">{t.redirectHeading}</h2>
        <p class="hint">{t.redirectHint}</p>
        <form onSubmit={saveRedirect}>
          <label for="redirect-url">{t.redirectUrl}</label>
          <input id="redirect-url" type="url" value={redirect} onInput={(e) => setRedirect(e.currentTarget.value)} />
          <button type="submit">{t.saveRedirect}</button>
        </form>
        <Notice outcome={redirectOutcome} />
      </section>
      <SecretRotation onSignInAgain={props.onSignInAgain} />
    </>
  );
}

/** Rotates the client secret, after an in-page confirmation, and shows the new secret once. */
function SecretRotation(props: { onSignInAgain: () => void }) {
  const [revoke, setRevoke] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [rotated, setRotated] = useState<{ secret: string; revoked: boolean } | null>(null);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const confirmButton = useRef<HTMLButtonElement>(null);
  const startButton = useRef<HTMLButtonElement>(null);
  const secretField = useRef<HTMLInputElement>(null);
  const asked = useRef(false);
  const busy = useRef(false);

  useEffect(() => {
    // Focus follows the step: onto the confirmation when it opens, back to its button when it is cancelled.
    if (confirming) confirmButton.current?.focus();
    else if (asked.current && !rotated) startButton.current?.focus();
    asked.current = confirming;
  }, [confirming]);

  useEffect(() => {
    // Then onto the new secret, selected (ready to copy), with the note read as its description.
    if (rotated) secretField.current?.focus();
  }, [rotated]);

  async function rotate() {
    if (busy.current) return;
    busy.current = true;
    setOutcome({ kind: "idle" });
    try {
      const r = await call<{ client_secret: string; revoked_tokens: boolean }>("POST", "/client-secret/rotate", { revoke_tokens: revoke });
      setRotated({ secret: r.client_secret, revoked: r.revoked_tokens });
      setConfirming(false);
    } catch (err) {
      setOutcome(errorOutcome(err));
    } finally {
      busy.current = false;
    }
  }

  return (
    <section aria-labelledby="secret-heading">
      <h2 id="secret-heading">{t.secretHeading}</h2>
      <p>{t.secretIntro}</p>
      <ul class="hint">
        <li>{t.secretStopsNow}</li>
        <li>{t.secretKeeps}</li>
      </ul>
      <p class="hint">{t.secretWebhook}</p>
      {!rotated && (
        <>
          <div class="check">
            <input id="revoke-tokens" type="checkbox" checked={revoke} disabled={confirming} onChange={(e) => setRevoke(e.currentTarget.checked)} />
            <label for="revoke-tokens">{t.revokeTokens}</label>
          </div>
          {!confirming && (
            <button type="button" class="danger" ref={startButton} onClick={() => setConfirming(true)}>
              {t.rotateSecret}
            </button>
          )}
          {confirming && (
            <div
              class="confirm"
              role="group"
              aria-labelledby="confirm-rotate"
              onKeyDown={(e) => {
                if (e.key === "Escape" && !busy.current) setConfirming(false);
              }}
            >
              <p id="confirm-rotate">{revoke ? t.confirmRotateRevoke : t.confirmRotate}</p>
              <div class="actions">
                <button type="button" class="danger" ref={confirmButton} onClick={() => void rotate()}>
                  {t.confirm}
                </button>
                <button type="button" class="secondary" onClick={() => busy.current || setConfirming(false)}>
                  {t.cancel}
                </button>
              </div>
            </div>
          )}
        </>
      )}
      <Notice outcome={outcome} />
      {rotated && (
        <>
          <p id="new-secret-note" class="notice ok">
            {rotated.revoked ? t.secretRotatedRevoked : t.secretRotated} {t.newSecretNote}
          </p>
          <label for="new-secret">{t.newSecret}</label>
          <input
            id="new-secret"
            ref={secretField}
            readOnly
            spellcheck={false}
            autocomplete="off"
            aria-describedby="new-secret-note"
            value={rotated.secret}
            onFocus={(e) => e.currentTarget.select()}
          />
          <button type="button" onClick={props.onSignInAgain}>
            {t.signInAgain}
          </button>
        </>
      )}
    </section>
  );
}

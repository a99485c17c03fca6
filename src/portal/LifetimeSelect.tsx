import { t } from "./i18n.ts";

/** The lifetimes an invite link may have, as `expires_in` takes them. */
const LIFETIMES = ["1d", "3d", "7d"];

/** A labelled choice of invite link lifetime. */
export function LifetimeSelect(props: { id: string; value: string; onChange: (value: string) => void }) {
  return (
    <>
      <label for={props.id}>{t.expiresIn}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {LIFETIMES.map((l) => (
          <option key={l} value={l}>
            {t.lifetimes[l]}
          </option>
        ))}
      </select>
    </>
  );
}

/** The header on every screen: the client's logo and name, and the Close button. */
import { t } from "../i18n.ts";
import { useApp } from "../context.ts";

/** Only http(s) and same-origin logos are shown. */
export function safeLogoUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url, location.href);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

/** The app header. */
export function Header() {
  const app = useApp();
  const client = app.session.client.value;
  const logo = safeLogoUrl(client?.logo_url);
  return (
    <header class="bar">
      {logo && client ? <img class="logo" src={logo} alt={t("logoAlt", { name: client.name })} width={28} height={28} /> : null}
      <span class="client">{client?.name ?? ""}</span>
      <button type="button" class="close" onClick={() => app.close("SUCCESS")}>
        {t("close")}
      </button>
    </header>
  );
}

/** Entry of the Portal page (`/portal`). */
import { render } from "preact";
import { PortalApp } from "./App.tsx";
import { portalLanguage, t } from "./i18n.ts";
import "./portal.css";

document.documentElement.lang = portalLanguage();
document.title = t.portalTitle;
const root = document.getElementById("portal");
if (root) render(<PortalApp />, root);

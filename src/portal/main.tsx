/** Entry of the Portal page (`/portal`). */
import { render } from "preact";
import { PortalApp } from "./App.tsx";
import "./portal.css";

const root = document.getElementById("portal");
if (root) render(<PortalApp />, root);

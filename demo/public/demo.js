// The Demo Health page: sign in as a user, open Connect, and log every callback and event payload.
// Everything is built with DOM calls and text nodes: payloads are data, never markup.

/** Reads a <meta name=...> value that the demo server filled in. */
export function meta(name) {
  return document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") ?? "";
}

function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (value !== false && value != null) el.setAttribute(key, value === true ? "" : String(value));
  }
  el.append(...children);
  return el;
}

const USER_KEY = "demo-health:user";
const connectionsKey = (userId) => `demo-health:connections:${userId}`;

/**
 * Renders the demo into <main id="demo"> and wires it to a HumanConnect object (script tag or npm import). With
 * `inline`, Connect opens inside the page's own box instead of a modal dialog.
 */
export function startDemo(HumanConnect, { integration, baseUrl, inline = false }) {
  const root = document.getElementById("demo");
  const clientId = meta("hc-client-id");
  let user = JSON.parse(sessionStorage.getItem(USER_KEY) || "null");

  const userIdInput = h("input", { id: "user-id", name: "userId", required: true, maxlength: 255, autocomplete: "username" });
  const emailInput = h("input", { id: "email", name: "email", type: "email", required: true, maxlength: 254, autocomplete: "email" });
  const signedIn = h("p", { class: "status", role: "status" });
  const connectButton = h("button", { type: "button", id: "connect" }, "Connect your health data");
  const connectStatus = h("p", { class: "status", id: "connect-status", "aria-live": "polite" });
  // Inline mode: the box Connect fills, at least the 320 x 560 px the README asks for.
  const inlineBox = inline ? h("div", { id: "connect-inline", class: "inline-connect" }) : "";
  const connectionsList = h("ul", { id: "connections" });
  const log = h("ol", { id: "log", "aria-label": "Callback and event log" });

  const signInForm = h(
    "form",
    { "aria-label": "Sign in as", onsubmit: onSignIn },
    h("label", { for: "user-id" }, "User id", userIdInput),
    h("label", { for: "email" }, "Email", emailInput),
    h("button", { type: "submit" }, "Sign in"),
  );

  root.replaceChildren(
    h("section", { "aria-labelledby": "h-user" }, h("h2", { id: "h-user" }, "1. Sign in as a user"), signInForm, signedIn),
    h(
      "section",
      { "aria-labelledby": "h-connect" },
      h("h2", { id: "h-connect" }, `2. Connect (${integration})`),
      connectButton,
      connectStatus,
      inlineBox,
    ),
    h(
      "section",
      { "aria-labelledby": "h-connections" },
      h("h2", { id: "h-connections" }, "Your current connections"),
      connectionsList,
    ),
    h(
      "section",
      { "aria-labelledby": "h-log" },
      h("h2", { id: "h-log" }, "Live log"),
      h("button", { type: "button", class: "secondary", onclick: () => log.replaceChildren() }, "Clear log"),
      log,
    ),
  );

  if (!HumanConnect) {
    addLog("error", { message: "HumanConnect is not defined: is the Connect service running?" });
  }

  function addLog(name, payload) {
    const time = new Date().toLocaleTimeString();
    const entry = h(
      "li",
      { "data-callback": name, "data-kind": name === "error" ? "error" : "callback" },
      h("strong", {}, name),
      ` at ${time}`,
      h("pre", {}, JSON.stringify(payload, null, 2)),
    );
    log.prepend(entry);
  }

  function renderUser() {
    userIdInput.value = user?.userId ?? "user-1";
    emailInput.value = user?.email ?? "user-1@example.com";
    signedIn.textContent = user ? `Signed in as ${user.userId} (${user.email}).` : "Not signed in.";
    connectButton.disabled = !user || !HumanConnect;
    renderConnections(user ? JSON.parse(localStorage.getItem(connectionsKey(user.userId)) || "null") : null);
  }

  function renderConnections(connections) {
    if (!connections) {
      connectionsList.replaceChildren(h("li", {}, "Unknown yet: open Connect to see them."));
      return;
    }
    if (user) localStorage.setItem(connectionsKey(user.userId), JSON.stringify(connections));
    connectionsList.replaceChildren(
      ...(connections.length ? connections.map((s) => h("li", {}, `${s.name} (${s.id})`)) : [h("li", {}, "None")]),
    );
  }

  function onSignIn(event) {
    event.preventDefault();
    const userId = userIdInput.value.trim();
    if (!userId || !emailInput.value.trim()) return;
    user = { userId, email: emailInput.value.trim() };
    sessionStorage.setItem(USER_KEY, JSON.stringify(user));
    renderUser();
    // Warm the Connect app while the user reads the page; an iframe reloads when moved, so only the modal can use it.
    if (!inline) HumanConnect?.preload({ baseUrl, clientId });
  }

  connectButton.addEventListener("click", async () => {
    if (!user) return;
    connectButton.disabled = true;
    connectStatus.textContent = "Asking our backend for a Connect token…";
    try {
      const res = await fetch("/api/token", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId: user.userId, email: user.email }),
      });
      const body = await res.json();
      if (!res.ok) {
        addLog("error", body);
        connectStatus.textContent = `Could not get a token: ${body.errorCode}`;
        connectButton.disabled = false;
        return;
      }
      connectStatus.textContent =
        body.kind === "id" ? "Returning user: opened Connect with an id token." : "New user: opened Connect with a session token.";
      addLog("token", { kind: body.kind });
      HumanConnect.open({
        token: body.token,
        clientId,
        clientUserId: user.userId,
        baseUrl,
        container: inline ? inlineBox : undefined,
        onReady: () => addLog("onReady", {}),
        onEvent: (event) => addLog("onEvent", event),
        onConnectSource: (response) => {
          addLog("onConnectSource", response);
          renderConnections(response.currentConnections);
        },
        onDisconnectSource: (response) => {
          addLog("onDisconnectSource", response);
          renderConnections(response.currentConnections);
        },
        onClose: (response) => {
          addLog("onClose", response);
          if (response.status === "SUCCESS") renderConnections(response.currentConnections);
          connectStatus.textContent = `Connect closed: ${response.status}`;
          connectButton.disabled = false;
        },
      });
    } catch (err) {
      addLog("error", { message: String(err) });
      connectButton.disabled = false;
    }
  });

  renderUser();
}

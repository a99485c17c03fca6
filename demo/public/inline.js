import { startDemo } from "/demo.js";

// connect.js from the Connect service, as on the script-tag page; Connect opens inside the page's own box.
startDemo(window.HumanConnect, { integration: "inline mode", inline: true });

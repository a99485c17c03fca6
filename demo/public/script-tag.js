import { startDemo } from "/demo.js";

// connect.js knows where it came from, so no baseUrl is needed here.
startDemo(window.HumanConnect, { integration: "script tag" });

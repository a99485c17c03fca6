import HumanConnect from "/vendor/human-connect.js";
import { startDemo, meta } from "/demo.js";

// The npm build cannot know where the Connect service is, so the page passes baseUrl.
startDemo(HumanConnect, { integration: "npm import", baseUrl: meta("hc-connect-url") });

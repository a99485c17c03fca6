// Builds everything the service serves and the package exports:
//   dist/app      the Connect app (Vite), served inside the iframe
//   dist/connect.js  the script-tag loader (window.HumanConnect)
//   dist/index.js    the npm entry (ESM, side-effect free) and its types
//   dist/react.js    the React hook (human-connect/react), importing the npm entry by name
//   dist/testing.js  the fake Connect for integrators' unit tests (human-connect/testing)
//   dist/demo     the demo's React page, bundled
//   dist/node     the service, CLI, Node helpers and demo backend (ESM, packages external)
import { build as esbuild } from "esbuild";
import { existsSync, rmSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { execFileSync } from "node:child_process";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
if (!existsSync("node_modules/esbuild") || !existsSync("node_modules/vite")) {
  // `prepare` also runs when the package is installed as a dependency without dev tools.
  console.log("build: dev dependencies missing, skipping build");
  process.exit(0);
}

const quiet = process.argv.includes("--quiet");
const log = (msg) => quiet || console.log(msg);

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });

const { build: viteBuild } = await import("vite");
await viteBuild({ logLevel: quiet ? "silent" : "warn" });
log("build: dist/app");

const browserCommon = { bundle: true, minify: true, target: ["es2022"], legalComments: "none", logLevel: "warning" };
await esbuild({ ...browserCommon, entryPoints: ["src/loader/script-tag.ts"], format: "iife", outfile: "dist/connect.js" });
await esbuild({ ...browserCommon, entryPoints: ["src/loader/index.ts"], format: "esm", outfile: "dist/index.js", minify: false });
// The React entry imports the loader by the package's own name, so an app's bundle holds one loader (and one open
// Connect) whether it imports "human-connect", "human-connect/react" or both. React stays the app's own.
const loaderByName = {
  name: "loader-by-package-name",
  setup(build) {
    build.onResolve({ filter: /\/loader\/index\.ts$/ }, () => ({ path: "human-connect", external: true }));
  },
};
await esbuild({
  ...browserCommon,
  entryPoints: ["src/react/index.ts"],
  format: "esm",
  outfile: "dist/react.js",
  minify: false,
  external: ["react"],
  plugins: [loaderByName],
});
await esbuild({ ...browserCommon, entryPoints: ["src/testing/index.ts"], format: "esm", outfile: "dist/testing.js", minify: false });
log("build: dist/connect.js, dist/index.js, dist/react.js, dist/testing.js");

// The demo's React page, bundled as an integrator's build would: "human-connect/react" resolved through the package's
// own "exports" map, React in production mode.
await esbuild({
  ...browserCommon,
  entryPoints: ["demo/public/react-app.jsx"],
  format: "esm",
  outfile: "dist/demo/react-app.js",
  jsx: "automatic",
  jsxImportSource: "react",
  tsconfigRaw: "{}",
  define: { "process.env.NODE_ENV": '"production"' },
});
log("build: dist/demo/react-app.js");

const nodeEntries = ["src/server/cli.ts", "src/server/index.ts", "demo/server.ts"].filter((f) => existsSync(f));
await esbuild({
  entryPoints: nodeEntries,
  outdir: "dist/node",
  outbase: ".",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
log("build: dist/node");

execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.types.json"], { stdio: "inherit" });
log("build: dist/types");

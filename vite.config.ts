/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// The Connect app is built to dist/app and served by the Connect service at its root.
export default defineConfig({
  plugins: [preact()],
  base: "/",
  build: {
    outDir: "dist/app",
    emptyOutDir: true,
    target: "es2020",
    modulePreload: { polyfill: false },
    rollupOptions: { input: { connect: "index.html", portal: "portal.html" } },
  },
  test: {
    include: ["test/**/*.test.{ts,tsx}"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});

/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The gateway serves the built app on its own origin, so `npm run dev` proxies
// the API to a running gateway (ENCORE_GATEWAY_URL, the stack's by default).
const gateway = process.env.ENCORE_GATEWAY_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    // The CSP forbids inline scripts, and Vite's module preload polyfill is one.
    modulePreload: { polyfill: false },
    sourcemap: false,
    // The entry (React, the router, react-query, i18next, the player) is ~460 kB
    // raw, ~150 kB gzipped; the 250 kB gzipped budget is checked by e2e/.
    chunkSizeWarningLimit: 520,
  },
  server: {
    proxy: { "/v1": gateway, "/rest": gateway, "/openapi.json": gateway },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});

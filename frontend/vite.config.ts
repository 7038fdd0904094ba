/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The dev server on :3000 forwards /api to the api on :8000 (SSE included), so the UI is
// served from one origin in development just as it is in production.
export default defineConfig({
  plugins: [react()],
  server: {
    port: Number(process.env.DEV_PORT ?? 3000), // `make dev` passes DEV_PORT (and API_URL when API_PORT moved the api)
    strictPort: true,
    proxy: {
      "/api": { target: process.env.API_URL ?? "http://127.0.0.1:8000", changeOrigin: false },
    },
  },
  build: { outDir: "dist", sourcemap: false },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    // A test may wait for lazy chunks and user-event typing on a machine whose two cores run the
    // whole suite (and others' suites): allow 30 s per test instead of 5 s. No assertion waits less.
    testTimeout: 30_000,
  },
});

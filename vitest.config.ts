import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "collector/src/**/*.test.ts",
      "examples/**/*.test.ts",
      "test/**/*.test.ts",
      "instrumentations/**/*.test.ts",
    ],
    // chDB allows one engine per process: every test file gets a process of its own.
    pool: "forks",
    isolate: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

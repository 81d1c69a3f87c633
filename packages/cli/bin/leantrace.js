#!/usr/bin/env node
// The command as the workspace runs it: its TypeScript sources through tsx. The published
// package runs dist/bin.js instead (see publishConfig in package.json).
import { register } from "tsx/esm/api";

register();
// The collector's worker threads load the same sources through tsx (see ingest/normalizer.ts).
process.env.LEANTRACE_TSX_API ??= import.meta.resolve("tsx/esm/api");
await import("../src/bin.ts");

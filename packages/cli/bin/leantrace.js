#!/usr/bin/env node
// The workspace runs its TypeScript sources directly: tsx compiles them as they load.
import { register } from "tsx/esm/api";

// The embedded engine's allocator keeps freed memory for 5 s by default: under a steady ingest
// load that is a hundred megabytes of resident memory doing nothing. Read when chDB loads.
process.env.JE_MALLOC_CONF ??= "dirty_decay_ms:1000,muzzy_decay_ms:0";

register();
// The collector's worker threads load the same sources through tsx (see ingest/normalizer.ts).
process.env.LEANTRACE_TSX_API ??= import.meta.resolve("tsx/esm/api");
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv);

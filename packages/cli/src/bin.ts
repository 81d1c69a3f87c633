#!/usr/bin/env node
// The `leantrace` command. Settings that must be in place before the embedded engine loads are
// made here, before anything else is imported.

// The embedded engine's allocator keeps freed memory for 5 s by default: under a steady ingest
// load that is a hundred megabytes of resident memory doing nothing. Read when chDB loads.
process.env.JE_MALLOC_CONF ??= "dirty_decay_ms:1000,muzzy_decay_ms:0";

const { main } = await import("./main.ts");
process.exitCode = await main(process.argv);

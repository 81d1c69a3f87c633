// Traceloop (OpenLLMetry) on a LangChain agent: Traceloop's LangChain instrumentation (always on)
// and its OpenAI instrumentation (on the `openai` client ChatOpenAI uses) both see every model
// call. The run is a Traceloop workflow: without one, Traceloop's LangChain spans have no parent
// (its callback handler starts them outside any context) and every span is a trace of its own.

import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import * as traceloop from "@traceloop/node-server-sdk";
import OpenAI from "openai";
import { runAgent } from "./langchain-agent.ts";
import { collectorUrl, main } from "./tracing.ts";

traceloop.initialize({
  appName: "support-agent",
  baseUrl: collectorUrl(),
  apiKey: "unused",
  disableBatch: true,
  silenceInitializationMessage: true,
  traceloopSyncEnabled: false,
  // Its types see `openai` as CommonJS, this module imports it as an ES module: the same class.
  instrumentModules: { openAI: OpenAI as never, langchain: true },
});

await main(
  async () => {
    await traceloop.withWorkflow({ name: "langchain-order-status" }, runAgent);
    // LangChain runs callbacks in the background: the spans end once they have run.
    await awaitAllCallbacks();
  },
  () => traceloop.forceFlush(),
);

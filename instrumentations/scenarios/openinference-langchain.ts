// OpenInference on a LangChain agent: its LangChain instrumentation, patched into LangChain's
// callback manager as its documentation shows for ES modules.
import { LangChainInstrumentation } from "@arizeai/openinference-instrumentation-langchain";
import * as CallbackManagerModule from "@langchain/core/callbacks/manager";
import { runAgent } from "./langchain-agent.ts";
import { main, startTracing } from "./tracing.ts";

const tracing = startTracing("support-agent");
const instrumentation = new LangChainInstrumentation({ tracerProvider: tracing });
instrumentation.manuallyInstrument(CallbackManagerModule);

await main(runAgent, () => tracing.shutdown());

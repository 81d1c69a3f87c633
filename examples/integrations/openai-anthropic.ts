// One line per client: `wrapOpenAI(new OpenAI())` and `wrapAnthropic(new Anthropic())` make
// every call a leantrace step. Offline: a collector on a throw-away embedded ClickHouse and a
// fake provider that answers as OpenAI and Anthropic do (a tool call, then the answer, streamed
// the second time). The real client libraries talk to it over HTTP; the report says what was
// recorded. Run it: `npx tsx examples/integrations/openai-anthropic.ts`.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Anthropic from "@anthropic-ai/sdk";
import { tool, workflow } from "@leantrace/sdk";
import { wrapAnthropic } from "@leantrace/sdk/anthropic";
import { init } from "@leantrace/sdk/init";
import { wrapOpenAI } from "@leantrace/sdk/openai";
import { spawnCollector, storeFlags } from "@leantrace/testing";
import { type Reply, startFakeProvider } from "@leantrace/testing/fake-provider";
import OpenAI from "openai";

const ORDER = { id: 42, status: "shipped", carrier: "DHL" };
const QUESTION = "Where is my order 42?";

/** What the fake provider answers, in order: the usage it reports is what the report must add up. */
const SCRIPT: Reply[] = [
  {
    api: "chat",
    toolCalls: [{ id: "call_1", name: "lookup_order", arguments: { id: 42 } }],
    usage: { input: 220, output: 18, cached: 128 },
  },
  {
    api: "chat",
    content: "Your order 42 has shipped with DHL.",
    usage: { input: 260, output: 24, cached: 128 },
  },
  {
    api: "messages",
    content: "Let me check.",
    toolCalls: [{ id: "toolu_1", name: "lookup_order", arguments: { id: 42 } }],
    usage: { input: 30, output: 40, cacheRead: 1800 },
  },
  {
    api: "messages",
    content: "Order 42 has shipped with DHL.",
    usage: { input: 70, output: 35, cacheRead: 1800 },
  },
];

// The tool's result is the text the next prompt carries: the analyzers see that it was read.
const lookupOrder = (id: number) =>
  tool("lookup_order", { id }, () => JSON.stringify({ ...ORDER, id }), { effect: "read" });

/** The OpenAI tool loop: ask, run the tool the model chose, ask again (streamed). */
async function openAiAgent(openai: OpenAI): Promise<string> {
  const tools = [
    {
      type: "function" as const,
      function: {
        name: "lookup_order",
        parameters: { type: "object", properties: { id: { type: "number" } } },
      },
    },
  ];
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: QUESTION }];
  const first = await openai.chat.completions.create({ model: "gpt-4o-mini", messages, tools });
  const message = first.choices[0]?.message;
  if (message === undefined) throw new Error("no answer");
  messages.push(message);
  for (const call of message.tool_calls ?? []) {
    if (call.type !== "function") continue;
    const result = await lookupOrder((JSON.parse(call.function.arguments) as { id: number }).id);
    messages.push({ role: "tool", tool_call_id: call.id, content: result });
  }
  // Streamed: the wrapper asks for the usage chunk and hides it, so this loop sees what it would.
  let answer = "";
  const stream = await openai.chat.completions.create({
    model: "gpt-4o-mini",
    messages,
    tools,
    stream: true,
  });
  for await (const chunk of stream) answer += chunk.choices[0]?.delta.content ?? "";
  return answer;
}

/** The same loop on Anthropic: tool_use, tool_result, then `messages.stream()`. */
async function anthropicAgent(anthropic: Anthropic): Promise<string> {
  const tools = [
    {
      name: "lookup_order",
      input_schema: { type: "object" as const, properties: { id: { type: "number" } } },
    },
  ];
  const params = {
    model: "claude-sonnet-4-5",
    max_tokens: 512,
    system: "You answer order questions.",
    tools,
  };
  const messages: Anthropic.MessageParam[] = [{ role: "user", content: QUESTION }];
  const first = await anthropic.messages.create({ ...params, messages });
  messages.push({ role: "assistant", content: first.content });
  const results: Anthropic.ToolResultBlockParam[] = [];
  for (const block of first.content) {
    if (block.type !== "tool_use") continue;
    const result = await lookupOrder((block.input as { id: number }).id);
    results.push({ type: "tool_result", tool_use_id: block.id, content: result });
  }
  messages.push({ role: "user", content: results });
  const final = await anthropic.messages.stream({ ...params, messages }).finalMessage();
  return final.content.map((block) => (block.type === "text" ? block.text : "")).join("");
}

export interface WorkflowTotals {
  workflow: string;
  runs: number;
  successes: number;
  totalTokens: number;
}

/** Sends both agents' runs to the collector at `endpoint`; returns their answers. */
export async function runAgents(endpoint: string): Promise<string[]> {
  const provider = await startFakeProvider(SCRIPT);
  const sdk = init({ endpoint, serviceName: "integrations-example" });
  try {
    const openai = wrapOpenAI(new OpenAI({ apiKey: "offline", baseURL: provider.url }), {
      finalAnswerWithoutToolCalls: true,
    });
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: "offline", baseURL: provider.anthropicUrl }), {
      finalAnswerWithoutToolCalls: true,
    });
    const answers = [
      await workflow("order-status-openai", async (run) => {
        const answer = await openAiAgent(openai);
        run.success();
        return answer;
      }),
      await workflow("order-status-anthropic", async (run) => {
        const answer = await anthropicAgent(anthropic);
        run.success();
        return answer;
      }),
    ];
    if (provider.problems.length > 0 || provider.remaining() > 0) {
      throw new Error(`the fake provider was not used as scripted: ${provider.problems.join("; ")}`);
    }
    return answers;
  } finally {
    await sdk.shutdown();
    await provider.close();
  }
}

const LEANTRACE = fileURLToPath(new URL("../../packages/cli/bin/leantrace.js", import.meta.url));

function leantrace(endpoint: string, ...args: string[]): string {
  return execFileSync(process.execPath, [LEANTRACE, ...args, "--endpoint", endpoint], { encoding: "utf8" });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = await mkdtemp(join(tmpdir(), "leantrace-integrations-"));
  const collector = await spawnCollector([...storeFlags(dir), "--analyze-interval-seconds", "0"]);
  try {
    const answers = await runAgents(collector.url);
    for (const answer of answers) console.log(`answer: ${answer}`);
    leantrace(collector.url, "analyze");
    console.log(leantrace(collector.url, "report"));
    console.log(leantrace(collector.url, "report", "--by", "kind"));
    const report = JSON.parse(leantrace(collector.url, "report", "--json")) as {
      workflows: WorkflowTotals[];
    };
    for (const w of report.workflows) {
      console.log(`recorded ${w.workflow}: ${w.runs} run, ${w.successes} success, ${w.totalTokens} tokens`);
    }
  } finally {
    await collector.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

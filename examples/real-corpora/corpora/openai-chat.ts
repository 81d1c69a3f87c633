// Runs recorded as OpenAI chat messages (tau-bench retail from AgentRx, HotpotQA search agents
// from AgentProcessBench): assistant messages carry `tool_calls`, tool messages answer them by
// `tool_call_id`. Neither corpus records token counts: they are estimated from the text
// (characters / 4), and the figures built on them say so.
import { estimatedUsage, type Message, type ReplayStep } from "../replay.ts";

export interface ChatMessage {
  role: string;
  content: string | null;
  tool_call_id?: string;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[] | null;
}

function asMessage(message: ChatMessage): Message {
  return {
    role: message.role,
    content: message.tool_calls?.length
      ? { text: message.content ?? "", tool_calls: message.tool_calls }
      : (message.content ?? ""),
  };
}

function parsedArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A search tool's answer: `{"result": [[{document: {id}}, ...], ...]}`, one list per query. */
function documentIds(content: string): string[] {
  try {
    const parsed = JSON.parse(content) as { result?: { document?: { id?: unknown } }[][] };
    return (parsed.result ?? [])
      .flat()
      .flatMap((hit) => (hit.document?.id === undefined ? [] : [String(hit.document.id)]));
  } catch {
    return [];
  }
}

export interface ChatStepsOptions {
  /** Tools that search: replayed as retrievals from this data source, their documents named. */
  searchTools?: ReadonlySet<string>;
  dataSource?: string;
}

/** The steps of one conversation: an LLM call per assistant message, then its tool calls. */
export function chatSteps(messages: readonly ChatMessage[], options: ChatStepsOptions = {}): ReplayStep[] {
  const steps: ReplayStep[] = [];
  const history: Message[] = [];
  const answers = new Map(
    messages.flatMap((m) =>
      m.role === "tool" && m.tool_call_id ? [[m.tool_call_id, m.content ?? ""] as const] : [],
    ),
  );
  for (const [i, message] of messages.entries()) {
    if (message.role === "assistant") {
      const output = asMessage(message).content;
      steps.push({
        type: "llm",
        source: i,
        input: [...history],
        output,
        usage: estimatedUsage(history, output),
      });
      for (const call of message.tool_calls ?? []) {
        const args = parsedArguments(call.function.arguments);
        const result = answers.get(call.id) ?? "";
        if (options.searchTools?.has(call.function.name)) {
          const list = (args as { query_list?: unknown }).query_list;
          const queries = Array.isArray(list)
            ? list.map(String)
            : [String((args as { query?: unknown }).query ?? args)];
          steps.push({
            type: "retrieval",
            source: i,
            queries,
            dataSource: options.dataSource ?? call.function.name,
            documents: documentIds(result),
            result,
          });
        } else {
          steps.push({
            type: "tool",
            source: i,
            name: call.function.name,
            args,
            result,
            ...(/^error\b/i.test(result) ? { failed: result.slice(0, 200) } : {}),
          });
        }
      }
    }
    history.push(asMessage(message));
  }
  return steps;
}

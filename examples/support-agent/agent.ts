// A customer-support agent instrumented with @leantrace/sdk. It runs offline: the LLM, the
// knowledge base and the order system are simulated. Some tickets go wrong the way real agents
// do: a tool call looped, a retrieval repeated, work done after the answer was given.
import { llm, plan, retrieval, tool, workflow } from "@leantrace/sdk";
import { complete, type Message, seededRandom } from "./simulated-llm.ts";

export type Scenario = "clean" | "loop" | "repeated-retrieval" | "after-answer" | "fails";

export interface Ticket {
  id: string;
  question: string;
  orderId: string;
  scenario: Scenario;
}

const MODEL = "gpt-4o-mini";
const SYSTEM_PROMPT =
  "You are a support agent for an online shop. Look up the order, search the knowledge base for the " +
  "relevant policy, and answer the customer in a friendly, precise way. Never invent order details.";

const KNOWLEDGE_BASE: Record<string, string> = {
  "kb-returns": "Items can be returned within 30 days of delivery if unused and in their original packaging.",
  "kb-shipping": "Standard shipping takes 3 to 5 business days; express shipping takes 1 to 2 business days.",
  "kb-refunds":
    "Refunds are issued to the original payment method within 5 business days of receiving the return.",
  "kb-damaged": "Damaged items are replaced free of charge; the customer sends a photo within 7 days.",
};

function searchKnowledgeBase(query: string): { id: string; score: number }[] {
  const words = query.toLowerCase().split(/\W+/);
  return Object.entries(KNOWLEDGE_BASE)
    .map(([id, text]) => ({
      id,
      score: words.filter((w) => w.length > 3 && text.toLowerCase().includes(w)).length,
    }))
    .filter((d) => d.score > 0)
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
    .slice(0, 2);
}

function lookupOrder(orderId: string): string {
  return JSON.stringify({ orderId, status: "delivered", deliveredDaysAgo: 12, items: ["kettle"] });
}

/** Runs one ticket as one workflow run; returns whether it was resolved. */
export async function handleTicket(ticket: Ticket, seed: number): Promise<boolean> {
  const random = seededRandom(seed);
  return workflow(
    "support-ticket",
    async (run) => {
      const messages: Message[] = [
        { role: "system", content: SYSTEM_PROMPT },
        { role: "user", content: ticket.question },
      ];
      const think = async (reply: string) => {
        const response = await llm({ model: MODEL, provider: "openai", input: messages }, () =>
          complete(MODEL, messages, reply, random),
        );
        messages.push({ role: "assistant", content: reply });
        return response;
      };

      await plan("triage", () => "look up the order, then the policy");
      await think(`I will look up order ${ticket.orderId}.`);
      const lookups = ticket.scenario === "loop" ? 3 : 1;
      for (let i = 0; i < lookups; i++) {
        // The looping agent forgets it already has the order and asks again.
        if (i > 0) await think(`Let me check order ${ticket.orderId} again.`);
        const order = await tool("lookup_order", { orderId: ticket.orderId }, () =>
          lookupOrder(ticket.orderId),
        );
        messages.push({ role: "tool", content: order });
      }

      await think("Now I will search the knowledge base for the policy.");
      const searches = ticket.scenario === "repeated-retrieval" ? 2 : 1;
      for (let i = 0; i < searches; i++) {
        const context = await retrieval({ query: ticket.question, dataSource: "support-kb" }, (step) => {
          const documents = searchKnowledgeBase(ticket.question);
          step.setDocuments(documents);
          return documents.map((d) => KNOWLEDGE_BASE[d.id]).join("\n");
        });
        messages.push({ role: "tool", content: context });
      }

      if (ticket.scenario === "fails") {
        await think("The policy does not cover this case; I cannot resolve it and will escalate.");
        run.failure();
        return false;
      }
      await think(
        "Your kettle was delivered 12 days ago, so it can still be returned within the 30-day window. " +
          "Once we receive it, the refund goes to your original payment method within 5 business days.",
      );
      run.success();
      if (ticket.scenario === "after-answer") {
        // Work after the answer: nothing the customer will ever see.
        await think("Let me also summarise this conversation for the internal log in detail.");
        await tool("send_survey", { orderId: ticket.orderId }, () => "queued");
      }
      return true;
    },
    { caseId: ticket.id },
  );
}

const QUESTIONS = [
  "Can I still return the kettle I bought?",
  "My kettle arrived damaged, what can I do?",
  "How long does a refund take after a return?",
  "When will my order arrive with express shipping?",
];

/** A day of tickets: mostly clean, with every kind of waste and some failures. */
export function ticketsOfTheDay(count: number): Ticket[] {
  const scenarios: Scenario[] = [
    "clean",
    "clean",
    "loop",
    "clean",
    "repeated-retrieval",
    "after-answer",
    "fails",
  ];
  return Array.from({ length: count }, (_, i) => ({
    id: `ticket-${String(i + 1).padStart(3, "0")}`,
    question: QUESTIONS[i % QUESTIONS.length] as string,
    orderId: `A-${1000 + i}`,
    scenario: scenarios[i % scenarios.length] as Scenario,
  }));
}

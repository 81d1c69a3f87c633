// The conversation every chat-completions scenario has: the user asks where an order is, the
// model calls `get_order`, the application runs it and sends the result back, the model answers.
export const MODEL = "gpt-4o-mini";
export const QUESTION = "Where is my order A-17?";

export const TOOLS = [
  {
    type: "function" as const,
    function: {
      name: "get_order",
      description: "Look up an order by id",
      parameters: {
        type: "object",
        properties: { orderId: { type: "string" } },
        required: ["orderId"],
        additionalProperties: false,
      },
    },
  },
];

export function getOrder(args: { orderId: string }) {
  return { orderId: args.orderId, status: "shipped", carrier: "DHL" };
}

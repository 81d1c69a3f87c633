// Text that may hold JSON (tool arguments, messages, query lists), parsed only when its value is
// shallow enough to walk: every consumer (canonical JSON, fingerprints,
// attribute maps) recurses, and a value nested ten thousand levels deep must not exhaust the
// stack of the process that receives it. (V8's JSON.parse itself does not recurse.)

/** Deeper JSON stays text: no real tool call or message nests this far. */
export const MAX_JSON_DEPTH = 64;

/** Whether arrays and objects nest deeper than `limit` in `value`, walked without recursion. */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (depth > limit) return true;
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === "object" && item !== null) stack.push([item, depth + 1]);
    } else if (typeof node === "object" && node !== null) {
      for (const key in node) {
        const item = (node as Record<string, unknown>)[key];
        if (typeof item === "object" && item !== null) stack.push([item, depth + 1]);
      }
    }
  }
  return false;
}

/** Longest text tried as a JSON scalar (`42`, `true`, `"x"`). */
const SCALAR_CHARS = 256;

/** The JSON value `text` holds; undefined when it is not JSON or nests deeper than `maxDepth`. */
export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  // Long text is tried only when it starts like an object or an array: tool output and prose
  // are rarely JSON, and a failed parse of a long text costs as much as a successful one.
  let start = 0;
  while (start < text.length && text.charCodeAt(start) <= 32) start++;
  const first = text.charCodeAt(start);
  if (first !== 123 /* { */ && first !== 91 /* [ */ && text.length > SCALAR_CHARS) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return deeperThan(value, maxDepth) ? undefined : value;
}

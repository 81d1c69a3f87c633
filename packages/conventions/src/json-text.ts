// Text that may hold JSON (tool arguments, messages, query lists), parsed only when it is
// shallow enough to walk: every consumer (canonical JSON, fingerprints, attribute maps) recurses,
// and a string nested ten thousand levels deep must not exhaust the stack of the process that
// receives it.

/** Deeper JSON stays text: no real tool call or message nests this far. */
export const MAX_JSON_DEPTH = 64;

/** How deep arrays and objects nest in `text`, stopping early once past `limit`. */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return deepest;
}

/** The JSON value `text` holds; undefined when it is not JSON or nests deeper than `maxDepth`. */
export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (nestingDepth(text, maxDepth) > maxDepth) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// Fingerprints (and, with content capture, the JSON) of what an agent sends again and again.
// Every LLM call of a conversation re-sends the messages before it, so without a memo each
// message is canonicalised and hashed once per call that holds it: the cost grows with the
// square of the conversation's length, and it is most of what a step costs. The values are
// always those of the @leantrace/conventions functions (and of JSON.stringify): a remembered
// value is used only when what it was computed from is the same.
//
// - Text is remembered by its value, for a while (see Generations).
// - An object (a message) is remembered by identity, with a snapshot of every key and value it
//   had: an agent may edit a message in place (a streamed answer, a trimmed tool result), and an
//   edit anywhere in it, however deep, makes the snapshot differ and the fingerprint be computed
//   afresh. Comparing a snapshot costs a walk with `===` on each value, no text work, no hashing.
//   A message seen once is held for a while only; one sent again is remembered in a WeakMap, for
//   as long as it lives. (Most messages seen once are never sent again, an agent's one-off
//   prompts; and a WeakMap entry for a key that dies young costs V8 about a microsecond.)
import {
  canonicalJson,
  contentFingerprint,
  fingerprint,
  messageFingerprint,
  queryFingerprint,
  toolArgumentsFingerprint,
} from "@leantrace/conventions";

/**
 * Values remembered for a while, in two generations: when the newer one is full (in entries or
 * in characters) it becomes the older one and the older one is dropped, so at most two
 * generations are held and forgetting costs nothing per entry. A value found in the older
 * generation moves to the newer one: what is used again stays. (Deleting a Map's oldest keys
 * one by one instead leaves holes that every later walk from its start steps over.)
 */
class Generations<K, V> {
  private newer = new Map<K, V>();
  private older = new Map<K, V>();
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get(key: K): V | undefined {
    const value = this.newer.get(key);
    if (value !== undefined) return value;
    return this.older.get(key);
  }

  /** Remembers `value` as costing `chars` characters. */
  set(key: K, value: V, chars: number): void {
    if (this.newer.size >= this.maxEntries || this.chars + chars > this.maxChars) {
      this.older = this.newer;
      this.newer = new Map();
      this.chars = 0;
    }
    this.newer.set(key, value);
    this.chars += chars;
  }
}

/** Longest text remembered by value: longer ones are rarely sent twice as bare strings. */
const MAX_TEXT_CHARS = 16_384;

/** `compute(text)` remembered for recent texts (at most 200,000 characters of them). */
class TextMemo {
  private readonly values = new Generations<string, string>(Number.POSITIVE_INFINITY, 100_000);

  constructor(private readonly compute: (text: string) => string) {}

  /** The value, computed and remembered when not known. */
  get(text: string): string {
    const known = this.values.get(text);
    if (known !== undefined) return known;
    const value = this.compute(text);
    if (text.length <= MAX_TEXT_CHARS) this.values.set(text, value, text.length);
    return value;
  }

  /** The value, computed but not remembered when not known. */
  peek(text: string): string {
    return this.values.get(text) ?? this.compute(text);
  }
}

/**
 * Fingerprints of answers and tool results: remembered because they come back, as the content
 * of a message of the next call (looked up there, not added: a user's new message does not).
 */
const resultTexts = new TextMemo(contentFingerprint);
const queryFingerprints = new TextMemo(queryFingerprint);
const toolArgumentTexts = new TextMemo(toolArgumentsFingerprint);
/**
 * The hash of canonical JSON: arguments and results that are new objects but the same values
 * (a repeated call, the very thing the analyzers look for) are not hashed again. For short
 * values the hash, not the canonical form, is most of the cost.
 */
const canonicalHashes = new TextMemo(fingerprint);

// --- snapshots: what canonicalJson reads of a value, kept to tell whether it changed ---

/** An array's items. */
class ArraySnapshot {
  constructor(readonly items: readonly unknown[]) {}
}
/** An object's own enumerable keys, in order, and their values (what canonicalJson reads). */
class RecordSnapshot {
  constructor(
    readonly keys: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

function snapshotOf(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const items = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) items[i] = snapshotOf(value[i]);
    return new ArraySnapshot(items);
  }
  const keys = Object.keys(value);
  const values = new Array<unknown>(keys.length);
  for (let i = 0; i < keys.length; i++)
    values[i] = snapshotOf((value as Record<string, unknown>)[keys[i] as string]);
  return new RecordSnapshot(keys, values);
}

/** Whether `value` still reads as `snapshot` everywhere; NaN never does (a harmless miss). */
function unchanged(value: unknown, snapshot: unknown): boolean {
  if (snapshot instanceof RecordSnapshot) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    const keys = Object.keys(value);
    if (keys.length !== snapshot.keys.length) return false;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (key !== snapshot.keys[i]) return false;
      if (!unchanged((value as Record<string, unknown>)[key], snapshot.values[i])) return false;
    }
    return true;
  }
  if (snapshot instanceof ArraySnapshot) {
    if (!Array.isArray(value) || value.length !== snapshot.items.length) return false;
    for (let i = 0; i < value.length; i++) if (!unchanged(value[i], snapshot.items[i])) return false;
    return true;
  }
  // A primitive (or a function, which canonicalJson writes as null whatever it is).
  return value === snapshot;
}

// --- objects, by identity ---

interface ObjectEntry {
  readonly snapshot: unknown;
  readonly canonical: string;
  /** The input it was made for (see `inputs`): older ones were seen in an earlier call. */
  readonly input: number;
  /** contentFingerprint of the object, once asked for. */
  fingerprint?: string;
  /** contentFingerprint of its own `content` (a message's part), once asked for. */
  part?: string;
  /** JSON.stringify of the object, once asked for while it is plain data (see objectJson). */
  json?: string;
}

/** Inputs described so far: entries made for this one are of messages new in it. */
let inputs = 0;

/** Messages sent more than once: for as long as they live. */
const lasting = new WeakMap<object, ObjectEntry>();
/**
 * Messages seen once, held (strongly) for a while: long enough for the next call of their
 * conversation to find them, even with many conversations under way (up to 512 messages or
 * 500,000 characters); short enough that most are let go young, which costs the garbage
 * collector least.
 */
const recent = new Generations<object, ObjectEntry>(256, 250_000);

function unchangedSafely(value: object, entry: ObjectEntry): boolean {
  try {
    return unchanged(value, entry.snapshot);
  } catch {
    // Nested too deep to walk again: computed afresh.
    return false;
  }
}

function objectEntry(value: object): ObjectEntry {
  let known = lasting.get(value);
  const wasLasting = known !== undefined;
  known ??= recent.get(value);
  if (known !== undefined && unchangedSafely(value, known)) {
    // Seen again: remembered for as long as the message lives.
    if (!wasLasting) lasting.set(value, known);
    return known;
  }
  const canonical = canonicalJson(value);
  // canonicalJson builds its text by concatenation, which V8 keeps as a tree of pieces; reading
  // a character makes it one flat string. Kept for as long as the message lives, one string is
  // far less work for the garbage collector than the tree (a conversation's messages add up).
  canonical.charCodeAt(0);
  let snapshot: unknown;
  try {
    snapshot = snapshotOf(value);
  } catch {
    // Too deep to snapshot: not remembered.
    return { snapshot: undefined, canonical, input: inputs };
  }
  const entry: ObjectEntry = { snapshot, canonical, input: inputs };
  // Known before (and edited since): sent again, so remembered for good.
  if (known !== undefined) lasting.set(value, entry);
  else recent.set(value, entry, canonical.length);
  return entry;
}

/**
 * Whether JSON.stringify of `value` depends on nothing but what its snapshot holds: objects whose
 * prototype is Object's (or none) and arrays, without `toJSON`, down to strings, numbers,
 * booleans, null and undefined. A Date, a class instance, a bigint or a function decides its own
 * JSON (or throws), and is stringified afresh each time.
 */
function isPlainJson(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  const type = typeof value;
  if (type === "string" || type === "number" || type === "boolean") return true;
  if (type !== "object" || typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  const prototype = Object.getPrototypeOf(value);
  if (Array.isArray(value)) return prototype === Array.prototype && value.every(isPlainJson);
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key of Object.keys(value as object)) {
    if (!isPlainJson((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * JSON.stringify of an object, as an item of a list (`null` when it has none), with its entry.
 * The snapshot does not see prototypes or a list's own `toJSON`, which JSON.stringify obeys:
 * the remembered JSON is used only while the object is plain data, checked on each use (a
 * walk, no text work).
 */
function objectJson(value: object, entry: ObjectEntry): string {
  if (entry.snapshot === undefined || !isPlainJson(value)) return JSON.stringify(value) ?? "null";
  entry.json ??= JSON.stringify(value) ?? "null";
  return entry.json;
}

// --- what the wrappers ask for ---

/**
 * `contentFingerprint` of an answer or a tool's result: text is remembered, because it comes
 * back as a message of the next call; anything else by its canonical form.
 */
export function resultFingerprint(value: unknown): string {
  // contentFingerprint of anything but text is the fingerprint of its canonical JSON.
  return typeof value === "string" ? resultTexts.get(value) : canonicalHashes.get(canonicalJson(value));
}

/** `queryFingerprint`, remembered for text queries (a repeated query is what the analyzers look for). */
export function rememberedQueryFingerprint(query: string | readonly string[]): string {
  return typeof query === "string" ? queryFingerprints.get(query) : queryFingerprint(query);
}

/** `toolArgumentsFingerprint`, remembered by the arguments' JSON text or canonical form. */
export function argumentsFingerprint(args: unknown): string {
  // toolArgumentsFingerprint of anything but text is the fingerprint of its canonical JSON.
  return typeof args === "string" ? toolArgumentTexts.get(args) : canonicalHashes.get(canonicalJson(args));
}

/** The fingerprints of an LLM call's input, and its text when asked for. */
export interface InputFingerprints {
  /** `leantrace.fp.input`: `contentFingerprint(input)`. */
  readonly input: string;
  /**
   * `leantrace.fp.input_parts`, for a list of messages: each message's content fingerprinted
   * (the message itself when it has no content), so the analyzers can follow a result into
   * later prompts.
   */
  readonly parts: string[] | undefined;
  /** `gen_ai.input.messages` (content capture): what JSON.stringify makes of the input. */
  readonly text: string | undefined;
}

interface ListEntry {
  readonly list: readonly unknown[];
  readonly canonicals: readonly string[];
  readonly fingerprint: string;
}

/**
 * The last few lists of messages fingerprinted: the same list sent again at once (a retry, more
 * samples of one prompt) is not hashed again. A list that grew is another input, hashed anew.
 */
const recentLists: (ListEntry | undefined)[] = new Array(8);
let nextList = 0;

function recentList(list: readonly unknown[]): ListEntry | undefined {
  for (const entry of recentLists) if (entry?.list === list) return entry;
  return undefined;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `contentFingerprint` of an object, remembered with it. */
function objectFingerprint(value: object, entry: ObjectEntry): string {
  entry.fingerprint ??= contentFingerprint(value);
  return entry.fingerprint;
}

/** Roles of messages the agent writes itself: never a step's result come back. */
const AUTHORED_ROLES = new Set(["system", "developer", "user"]);

/** The conventions' fingerprint of a message's own content (`messageFingerprint`), remembered with it. */
function contentPart(message: object & { content: unknown }, entry: ObjectEntry): string {
  if (entry.part !== undefined) return entry.part;
  const { content } = message;
  // A tool's result or an answer, fingerprinted when its step ran, is found in the memo of
  // results when it comes back as a message; the agent's own messages are not looked for.
  const role = (message as { role?: unknown }).role;
  entry.part =
    typeof content === "string" && !(typeof role === "string" && AUTHORED_ROLES.has(role))
      ? resultTexts.peek(content)
      : messageFingerprint(message);
  return entry.part;
}

function isPlainList(value: unknown[]): boolean {
  return (
    Object.getPrototypeOf(value) === Array.prototype &&
    typeof (value as { toJSON?: unknown }).toJSON !== "function"
  );
}

/** Describes an LLM call's input; its text (JSON) only when `withText`. */
export function inputFingerprints(input: unknown, withText = false): InputFingerprints {
  inputs++;
  if (!Array.isArray(input)) {
    let value: string;
    if (typeof input === "object" && input !== null) value = objectFingerprint(input, objectEntry(input));
    else value = contentFingerprint(input);
    const text = withText
      ? typeof input === "string"
        ? input
        : (JSON.stringify(input) ?? String(input))
      : undefined;
    return { input: value, parts: undefined, text };
  }
  const canonicals = new Array<string>(input.length);
  const parts = new Array<string>(input.length);
  const entries = withText ? new Array<ObjectEntry | undefined>(input.length) : undefined;
  let seenBefore = false;
  for (let i = 0; i < input.length; i++) {
    const message: unknown = input[i];
    if (typeof message === "object" && message !== null) {
      const entry = objectEntry(message);
      if (entries !== undefined) entries[i] = entry;
      if (entry.input !== inputs) seenBefore = true;
      canonicals[i] = entry.canonical;
      // Without content (a GenAI message of `parts`, or anything else) the conventions' rule
      // decides, remembered with the message like its content's fingerprint would be.
      if (!("content" in message)) parts[i] = entry.part ??= messageFingerprint(message);
      // An own, enumerable content is in the message's snapshot, so its fingerprint can be
      // remembered with the message; one inherited or hidden is not, and is made afresh.
      else if (Object.prototype.propertyIsEnumerable.call(message, "content"))
        parts[i] = contentPart(message, entry);
      else parts[i] = messageFingerprint(message);
    } else {
      canonicals[i] = canonicalJson(message);
      parts[i] = contentFingerprint(message);
    }
  }
  return {
    input: listFingerprint(input, canonicals),
    parts,
    text: entries && listText(input, entries, seenBefore),
  };
}

/** `contentFingerprint` of a list, from its items' canonical JSON. */
function listFingerprint(input: readonly unknown[], canonicals: string[]): string {
  const known = recentList(input);
  if (known !== undefined && sameStrings(known.canonicals, canonicals)) return known.fingerprint;
  // canonicalJson of an array is the JSON array of its items' canonical JSON: the whole input
  // is hashed without canonicalising any message again.
  const value = fingerprint(`[${canonicals.join(",")}]`);
  const slot = known === undefined ? nextList : recentLists.indexOf(known);
  recentLists[slot] = { list: input, canonicals, fingerprint: value };
  if (slot === nextList) nextList = (nextList + 1) % recentLists.length;
  return value;
}

/**
 * JSON.stringify of a list of messages. A list of messages all new is stringified at once (no
 * faster way); once some were sent before, from each message's remembered JSON.
 */
function listText(input: unknown[], entries: (ObjectEntry | undefined)[], seenBefore: boolean): string {
  if (!seenBefore || !isPlainList(input)) return JSON.stringify(input) ?? String(input);
  const texts = new Array<string>(input.length);
  for (let i = 0; i < input.length; i++) {
    const item: unknown = input[i];
    const entry = entries[i];
    texts[i] =
      typeof item === "object" && item !== null && entry !== undefined
        ? objectJson(item, entry)
        : (JSON.stringify(item) ?? "null");
  }
  // JSON.stringify of a list is its items' JSON, separated by commas, in brackets.
  return `[${texts.join(",")}]`;
}

// The budget guard: a limit on the tokens (and cost) of a run, of several runs, or of a team as
// the collector meters it. Before an LLM step the guard reserves what the step is expected to
// spend; a step whose reservation would pass the limit is refused before the model is called,
// so concurrent steps cannot slip past the limit together (each one sees the others' reservations:
// the check and the reservation happen in one synchronous stretch). After the step, its
// reservation is replaced by what it really spent.
import { count, type TokenUsage } from "./usage.ts";
import { throttledWarning, warn } from "./warnings.ts";

/** What an LLM step is expected to spend, given on the step: `llm({ estimate: { tokens } }, ...)`. */
export interface StepEstimate {
  tokens?: number;
  cost?: number;
}

/** Why a step was refused: its numbers, for the error, the handler and the span. */
export interface BudgetExceededInfo {
  /** Whose limit: `run` (or the name given to createBudget), or `team:NAME`. */
  scope: string;
  /** `limit`: the step would pass it; `unavailable`: the team's state is unknown and `failOpen` is false. */
  reason: "limit" | "unavailable";
  unit: "tokens" | "cost";
  /** The limit; NaN when unavailable. */
  limit: number;
  /** Spent so far (for a team: the collector's figure, plus this process's since it was read). */
  used: number;
  /** Reserved by the other steps under way. */
  reserved: number;
  /** What this step would have reserved. */
  requested: number;
  /** What is left: limit - used - reserved (never below 0). */
  remaining: number;
  /** The step's model, when given. */
  model: string | undefined;
}

/** Thrown by an LLM step the budget refused (when no `onExceeded` handler is given). */
export class BudgetExceededError extends Error {
  override readonly name = "BudgetExceededError";
  readonly scope: string;
  readonly reason: BudgetExceededInfo["reason"];
  readonly unit: BudgetExceededInfo["unit"];
  readonly limit: number;
  readonly used: number;
  readonly reserved: number;
  readonly requested: number;

  constructor(readonly info: BudgetExceededInfo) {
    super(
      info.reason === "unavailable"
        ? `leantrace: the budget of ${info.scope} is unknown (the collector did not answer) and failOpen is false`
        : `leantrace: budget of ${info.scope} exceeded: ${info.used} ${info.unit} used and ${info.reserved} reserved of ${info.limit}; this step needs ${info.requested}`,
    );
    this.scope = info.scope;
    this.reason = info.reason;
    this.unit = info.unit;
    this.limit = info.limit;
    this.used = info.used;
    this.reserved = info.reserved;
    this.requested = info.requested;
  }
}

/** The cost of a call from its usage; the SDK knows no prices itself. */
export type PriceFunction = (call: { model: string | undefined; usage: TokenUsage }) => number | undefined;

/**
 * What a refused step does instead of calling the model: its return value is what the `llm`
 * step resolves to (for example a message asking the model to finish); it may throw instead.
 */
export type BudgetExceededHandler = (info: BudgetExceededInfo) => unknown;

export interface BudgetOptions {
  /** Tokens (input + output) the steps under this budget may spend together. */
  maxTokens?: number;
  /** Cost the steps may spend together, in the unit `price` returns. Needs `price`. */
  maxCost?: number;
  /** Prices a call; needed for `maxCost`, and for a team's cost limit to count reservations. */
  price?: PriceFunction;
  /** Called instead of throwing `BudgetExceededError`. */
  onExceeded?: BudgetExceededHandler;
  /** What a call of a model never seen before is expected to spend; else its first call runs alone. */
  defaultEstimate?: StepEstimate;
  /** @default "run" */
  scope?: string;
}

/** A step's claim on a budget, from before the model call to after it. */
export interface Reservation {
  /** Replaces the reservation by what the step spent (undefined: unknown, the reservation stays spent). */
  settle(spent: StepEstimate | undefined): void;
}

/** What the wrappers ask a budget before an LLM step. */
export interface BudgetRequest {
  model: string | undefined;
  /** Expected tokens and cost (the step's estimate, else the model's recent average). */
  expected: Required<StepEstimate>;
}

/** A budget the `llm` steps of a workflow check: `createBudget(...)` or `teamBudget(...)`. */
export interface Budget {
  readonly scope: string;
  readonly onExceeded: BudgetExceededHandler | undefined;
  readonly price: PriceFunction | undefined;
  readonly defaultEstimate: StepEstimate | undefined;
  /** Reserves, or says why not. Synchronous once the budget's state is known. */
  reserve(
    request: BudgetRequest,
  ): Reservation | BudgetExceededInfo | Promise<Reservation | BudgetExceededInfo>;
}

const isCount = (value: unknown): value is number => count(value) !== undefined;

/** A limit, what was spent against it and what is reserved: one per unit. */
class Ledger {
  used = 0;
  reserved = 0;

  constructor(
    readonly unit: "tokens" | "cost",
    readonly limit: number,
  ) {}

  /**
   * Refuses a step that would pass the limit, and any step once nothing is left (a step expected
   * to spend nothing must not slip in at the limit).
   */
  refusal(
    scope: string,
    model: string | undefined,
    requested: number,
    usedElsewhere = 0,
  ): BudgetExceededInfo | undefined {
    const used = this.used + usedElsewhere;
    if (used + this.reserved + requested <= this.limit && used + this.reserved < this.limit) return undefined;
    return {
      scope,
      reason: "limit",
      unit: this.unit,
      limit: this.limit,
      used,
      reserved: this.reserved,
      requested,
      remaining: Math.max(0, this.limit - used - this.reserved),
      model,
    };
  }
}

/** A budget of its own limits, counted in this process. */
class LocalBudget implements Budget {
  readonly scope: string;
  readonly onExceeded: BudgetExceededHandler | undefined;
  readonly price: PriceFunction | undefined;
  readonly defaultEstimate: StepEstimate | undefined;
  private readonly ledgers: Ledger[] = [];

  constructor(options: BudgetOptions) {
    if (options.maxTokens !== undefined && !isCount(options.maxTokens)) {
      throw new TypeError(
        `leantrace: budget maxTokens must be a number >= 0, not ${String(options.maxTokens)}`,
      );
    }
    if (options.maxCost !== undefined) {
      if (!isCount(options.maxCost)) {
        throw new TypeError(
          `leantrace: budget maxCost must be a number >= 0, not ${String(options.maxCost)}`,
        );
      }
      // Without prices no cost is ever known: the limit would never stop anything.
      if (options.price === undefined)
        throw new TypeError("leantrace: budget maxCost needs a price function");
    }
    this.scope = options.scope ?? "run";
    this.onExceeded = options.onExceeded;
    this.price = options.price;
    this.defaultEstimate = options.defaultEstimate;
    if (options.maxTokens !== undefined) this.ledgers.push(new Ledger("tokens", options.maxTokens));
    if (options.maxCost !== undefined) this.ledgers.push(new Ledger("cost", options.maxCost));
  }

  /** Spent so far, by unit. */
  get used(): { tokens: number; cost: number } {
    return {
      tokens: this.ledgers.find((l) => l.unit === "tokens")?.used ?? 0,
      cost: this.ledgers.find((l) => l.unit === "cost")?.used ?? 0,
    };
  }

  reserve(request: BudgetRequest): Reservation | BudgetExceededInfo {
    for (const ledger of this.ledgers) {
      const refusal = ledger.refusal(this.scope, request.model, request.expected[ledger.unit]);
      if (refusal !== undefined) return refusal;
    }
    const held = request.expected;
    for (const ledger of this.ledgers) ledger.reserved += held[ledger.unit];
    let settled = false;
    return {
      settle: (spent) => {
        if (settled) return;
        settled = true;
        for (const ledger of this.ledgers) {
          ledger.reserved -= held[ledger.unit];
          const real = spent?.[ledger.unit];
          ledger.used += isCount(real) ? real : held[ledger.unit];
        }
      },
    };
  }
}

/** The budget a run, or several runs sharing it, may spend. Pass it as `workflow(..., { budget })`. */
export function createBudget(
  options: BudgetOptions,
): Budget & { readonly used: { tokens: number; cost: number } } {
  return new LocalBudget(options);
}

// --- the recent average of a model's calls ---

const HISTORY = 20;

interface ModelHistory {
  tokens: number[];
  costs: number[];
}

/** The last calls of each model in this process, guarded steps only. */
const histories = new Map<string, ModelHistory>();
/** A model's first call, under way: calls of the same model with nothing to go on wait for it. */
const probes = new Map<string, Promise<void>>();

function mean(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total / values.length;
}

/** What a call of `model` is expected to spend, from its recent calls; undefined before the first. */
function recentAverage(model: string | undefined): Required<StepEstimate> | undefined {
  const history = histories.get(model ?? "");
  if (history === undefined || history.tokens.length === 0) return undefined;
  return { tokens: mean(history.tokens), cost: history.costs.length === 0 ? 0 : mean(history.costs) };
}

export function recordCall(model: string | undefined, spent: StepEstimate): void {
  const key = model ?? "";
  let history = histories.get(key);
  if (history === undefined) {
    history = { tokens: [], costs: [] };
    histories.set(key, history);
  }
  if (isCount(spent.tokens)) {
    history.tokens.push(spent.tokens);
    if (history.tokens.length > HISTORY) history.tokens.shift();
  }
  if (isCount(spent.cost)) {
    history.costs.push(spent.cost);
    if (history.costs.length > HISTORY) history.costs.shift();
  }
}

/** Forgets every model's history (tests). */
export function resetCallHistory(): void {
  histories.clear();
}

/**
 * What a step is expected to spend: its own estimate, else the model's recent average, else the
 * budgets' default. With none of them, the model's first call runs alone: the others wait for it
 * and then reserve what it spent (reserving nothing for them all would let them all through).
 * `release` ends this step's turn as the probe.
 */
export async function expectedSpend(
  model: string | undefined,
  estimate: StepEstimate | undefined,
  budgets: readonly Budget[],
): Promise<{ expected: Required<StepEstimate>; release: (() => void) | undefined }> {
  for (;;) {
    const average = recentAverage(model);
    const fallback = budgets.find((b) => b.defaultEstimate !== undefined)?.defaultEstimate;
    const tokens = estimate?.tokens ?? average?.tokens ?? fallback?.tokens;
    if (tokens !== undefined) {
      return {
        expected: { tokens, cost: estimate?.cost ?? average?.cost ?? fallback?.cost ?? 0 },
        release: undefined,
      };
    }
    const key = model ?? "";
    const probe = probes.get(key);
    if (probe === undefined) {
      let resolve: () => void = () => {};
      const current = new Promise<void>((done) => {
        resolve = done;
      });
      probes.set(key, current);
      const release = () => {
        if (probes.get(key) === current) probes.delete(key);
        resolve();
      };
      return { expected: { tokens: 0, cost: estimate?.cost ?? 0 }, release };
    }
    await probe;
  }
}

// --- a team's budget, as the collector meters it ---

/** One entry of `GET /api/v1/budgets`. */
export interface TeamBudgetState {
  team: string;
  period: string;
  limitTokens: number | null;
  usedTokens: number;
  limitCost: number | null;
  usedCost: number;
  state: "ok" | "soft_exceeded" | "hard_exceeded";
}

const STATES = new Set(["ok", "soft_exceeded", "hard_exceeded"]);

function nullableCount(value: unknown): value is number | null {
  return value === null || isCount(value);
}

/** The answer's entries, or undefined when it is not the documented shape. */
function parseBudgets(body: unknown): TeamBudgetState[] | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const list = (body as { budgets?: unknown }).budgets;
  if (!Array.isArray(list)) return undefined;
  const entries: TeamBudgetState[] = [];
  for (const item of list) {
    if (typeof item !== "object" || item === null) return undefined;
    const e = item as Record<string, unknown>;
    if (
      typeof e.team !== "string" ||
      typeof e.period !== "string" ||
      !nullableCount(e.limitTokens) ||
      !isCount(e.usedTokens) ||
      !nullableCount(e.limitCost) ||
      !isCount(e.usedCost) ||
      typeof e.state !== "string" ||
      !STATES.has(e.state)
    ) {
      return undefined;
    }
    entries.push({
      team: e.team,
      period: e.period,
      limitTokens: e.limitTokens,
      usedTokens: e.usedTokens,
      limitCost: e.limitCost,
      usedCost: e.usedCost,
      state: e.state as TeamBudgetState["state"],
    });
  }
  return entries;
}

export interface TeamBudgetOptions {
  /** The team, as `leantrace.team` names it on the spans. */
  team: string;
  /** The collector. @default LEANTRACE_ENDPOINT, else http://127.0.0.1:4318 */
  endpoint?: string;
  /** Sent as `Authorization: Bearer`. @default LEANTRACE_API_KEY */
  apiKey?: string;
  /** How old the team's state may get before it is read again. @default 5000 */
  refreshMillis?: number;
  /** How long to wait for the collector's answer. @default 2000 */
  timeoutMillis?: number;
  /** While the team's state is unknown (collector unreachable): let steps through. @default true */
  failOpen?: boolean;
  /** Prices a call, so that a cost limit counts the reservations of the steps under way. */
  price?: PriceFunction;
  onExceeded?: BudgetExceededHandler;
  defaultEstimate?: StepEstimate;
}

interface Snapshot {
  entries: TeamBudgetState[];
  /** What this process had settled when the request that read it was sent. */
  settledAtRead: { tokens: number; cost: number };
  readAt: number;
}

/** A team's budget: its state from the collector, with this process's steps counted on top. */
export class TeamBudget implements Budget {
  readonly scope: string;
  readonly onExceeded: BudgetExceededHandler | undefined;
  readonly price: PriceFunction | undefined;
  readonly defaultEstimate: StepEstimate | undefined;
  private readonly url: URL;
  private readonly apiKey: string | undefined;
  private readonly refreshMillis: number;
  private readonly timeoutMillis: number;
  private readonly failOpen: boolean;
  private snapshot: Snapshot | undefined;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;
  private readOnce = false;
  private readonly settled = { tokens: 0, cost: 0 };
  private readonly reserved = { tokens: 0, cost: 0 };
  private readonly warnUnreachable = throttledWarning(warn);
  /** Requests sent to the collector so far. */

  constructor(private readonly options: TeamBudgetOptions) {
    if (typeof options.team !== "string" || options.team === "") {
      throw new TypeError("leantrace: teamBudget needs a team name");
    }
    const endpoint = options.endpoint ?? process.env.LEANTRACE_ENDPOINT ?? "http://127.0.0.1:4318";
    this.url = new URL("api/v1/budgets", endpoint.endsWith("/") ? endpoint : `${endpoint}/`);
    this.apiKey = options.apiKey ?? process.env.LEANTRACE_API_KEY;
    this.refreshMillis = options.refreshMillis ?? 5000;
    this.timeoutMillis = options.timeoutMillis ?? 2000;
    this.failOpen = options.failOpen ?? true;
    this.scope = `team:${options.team}`;
    this.onExceeded = options.onExceeded;
    this.price = options.price;
    this.defaultEstimate = options.defaultEstimate;
  }

  /** The team's entries as last read; undefined while unknown. */
  get state(): readonly TeamBudgetState[] | undefined {
    return this.snapshot?.entries;
  }

  /** Reads the team's state now (also what the guard does every `refreshMillis`). */
  refresh(): Promise<void> {
    this.refreshing ??= this.read().finally(() => {
      this.refreshing = undefined;
      this.readOnce = true;
    });
    return this.refreshing;
  }

  private async read(): Promise<void> {
    this.lastAttempt = Date.now();
    const settledAtRead = { ...this.settled };
    let why: string;
    try {
      const headers: Record<string, string> = { accept: "application/json" };
      if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
      // AbortSignal.timeout's timer does not keep the process alive.
      const response = await fetch(this.url, { headers, signal: AbortSignal.timeout(this.timeoutMillis) });
      if (response.ok) {
        const entries = parseBudgets(await response.json());
        if (entries !== undefined) {
          this.snapshot = {
            entries: entries.filter((e) => e.team === this.options.team),
            settledAtRead,
            readAt: Date.now(),
          };
          return;
        }
        why = "an answer not in the documented shape";
      } else {
        why = `HTTP ${response.status} ${response.statusText}`.trim();
        await response.body?.cancel();
      }
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown } }).cause;
      why =
        typeof cause?.code === "string"
          ? cause.code
          : error instanceof Error && error.name === "TimeoutError"
            ? `no answer within ${this.timeoutMillis} ms`
            : error instanceof Error
              ? error.message
              : String(error);
    }
    // Unreachable: the state is unknown until the collector answers again (failOpen decides).
    this.snapshot = undefined;
    this.warnUnreachable(
      `leantrace: the budget of team ${this.options.team} could not be read from ${this.url.href} (${why}); steps ${this.failOpen ? "are let through (failOpen)" : "are refused (failOpen: false)"} until it can`,
    );
  }

  /** The state to judge by: read once before the first step; after that refreshed in the background. */
  private current(): Promise<void> | undefined {
    const now = Date.now();
    // Every step waits for the first answer (or failure); none judges before the state was read once.
    if (!this.readOnce) return this.refresh();
    const age = now - (this.snapshot?.readAt ?? this.lastAttempt);
    // Never awaited again: a collector that went away must not slow every step by a timeout.
    if (age >= this.refreshMillis && now - this.lastAttempt >= this.refreshMillis) void this.refresh();
    return undefined;
  }

  reserve(
    request: BudgetRequest,
  ): Reservation | BudgetExceededInfo | Promise<Reservation | BudgetExceededInfo> {
    const pending = this.current();
    return pending === undefined ? this.decide(request) : pending.then(() => this.decide(request));
  }

  private decide(request: BudgetRequest): Reservation | BudgetExceededInfo {
    const snapshot = this.snapshot;
    if (snapshot === undefined) {
      if (this.failOpen) return this.hold(request.expected);
      return {
        scope: this.scope,
        reason: "unavailable",
        unit: "tokens",
        limit: Number.NaN,
        used: this.settled.tokens,
        reserved: this.reserved.tokens,
        requested: request.expected.tokens,
        remaining: 0,
        model: request.model,
      };
    }
    const since = {
      tokens: this.settled.tokens - snapshot.settledAtRead.tokens,
      cost: this.settled.cost - snapshot.settledAtRead.cost,
    };
    for (const entry of snapshot.entries) {
      for (const unit of ["tokens", "cost"] as const) {
        const limit = unit === "tokens" ? entry.limitTokens : entry.limitCost;
        if (limit === null) continue;
        const ledger = new Ledger(unit, limit);
        ledger.used = unit === "tokens" ? entry.usedTokens : entry.usedCost;
        ledger.reserved = this.reserved[unit];
        // The collector's own judgement wins: past the hard limit, nothing more.
        const refusal = ledger.refusal(this.scope, request.model, request.expected[unit], since[unit]);
        if (refusal !== undefined) return refusal;
        if (entry.state === "hard_exceeded") {
          return {
            scope: this.scope,
            reason: "limit",
            unit,
            limit,
            used: ledger.used + since[unit],
            reserved: ledger.reserved,
            requested: request.expected[unit],
            remaining: 0,
            model: request.model,
          };
        }
      }
    }
    return this.hold(request.expected);
  }

  private hold(held: Required<StepEstimate>): Reservation {
    this.reserved.tokens += held.tokens;
    this.reserved.cost += held.cost;
    let settled = false;
    return {
      settle: (spent) => {
        if (settled) return;
        settled = true;
        this.reserved.tokens -= held.tokens;
        this.reserved.cost -= held.cost;
        this.settled.tokens += isCount(spent?.tokens) ? spent.tokens : held.tokens;
        this.settled.cost += isCount(spent?.cost) ? spent.cost : held.cost;
      },
    };
  }
}

/**
 * A team's budget as the collector meters it (`GET /api/v1/budgets`), checked before each LLM
 * step: refused past the team's hard limit, or when the step's reservation would pass a limit.
 */
export function teamBudget(options: TeamBudgetOptions): TeamBudget {
  return new TeamBudget(options);
}

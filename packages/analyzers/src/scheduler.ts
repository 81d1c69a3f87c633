// Runs analysis passes one at a time: on a timer in the collector, and on demand. A pass asked
// for while one runs starts right after it, so the caller sees everything sent before it asked.
import type { Store } from "@leantrace/storage";
import type { AnalyzerConfig } from "./config.ts";
import { type PassOptions, type PassResult, runAnalysisPass } from "./pass.ts";

export interface SchedulerOptions {
  /** Time between automatic passes; 0 turns them off. @default 30000 */
  intervalMillis?: number;
  /** Runs before every pass: the collector writes the rows it has accepted. */
  beforePass?: () => Promise<void>;
  /** Told of every automatic pass's failure; the timer keeps going. @default console.error */
  onError?: (error: unknown) => void;
  /** Told of every pass that ran, automatic or asked for. */
  onPass?: (result: PassResult) => void;
}

export class AnalysisScheduler {
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMillis: number;

  constructor(
    private readonly store: Store,
    private readonly config: AnalyzerConfig,
    private readonly options: SchedulerOptions = {},
  ) {
    this.intervalMillis = options.intervalMillis ?? 30_000;
  }

  /** Starts the automatic passes. */
  start(): void {
    if (this.intervalMillis <= 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.runNow().catch(
        this.options.onError ?? ((error) => console.error("leantrace: analysis pass failed:", error)),
      );
    }, this.intervalMillis);
    this.timer.unref();
  }

  /** Runs a pass after any pass under way; resolves with its result. */
  runNow(options: PassOptions = {}): Promise<PassResult> {
    const pass = this.queue.then(async () => {
      await this.options.beforePass?.();
      const result = await runAnalysisPass(this.store, this.config, options);
      this.options.onPass?.(result);
      return result;
    });
    this.queue = pass.catch(() => undefined);
    return pass;
  }

  /** Stops the timer and waits for the pass under way. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.queue;
  }
}

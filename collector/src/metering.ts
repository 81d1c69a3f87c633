// Keeps the tables derived from the spans current while spans land: usage (metered per day,
// then the budgets of the projects metered are checked and alerts sent) and the per-run
// summaries the `runs` view reads. Every few seconds, and soon after an analysis pass or a
// budget change. Failures are logged, never thrown: both tables are caught up on the next run,
// and the `runs` view is right meanwhile (it resolves what is not summarised from the spans).
import { BudgetAlerts, Meter } from "@leantrace/budgets";
import { RunSummaries } from "@leantrace/reports";
import type { Store } from "@leantrace/storage";
import type { CollectorConfig } from "./config.ts";

export class Metering {
  readonly meter: Meter;
  readonly summaries: RunSummaries;
  readonly alerts: BudgetAlerts | undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private readonly intervalMillis: number;
  private current: Promise<void> = Promise.resolve();

  constructor(store: Store, settings: CollectorConfig["budgets"] | undefined) {
    this.meter = new Meter(store);
    this.summaries = new RunSummaries(store);
    this.intervalMillis = settings?.meterIntervalMillis ?? 5_000;
    const webhook = settings?.webhook;
    this.alerts =
      webhook === undefined
        ? undefined
        : new BudgetAlerts(store, {
            url: webhook.url,
            ...(webhook.secret ? { secret: webhook.secret } : {}),
          });
  }

  start(): void {
    if (this.timer !== undefined || this.intervalMillis <= 0) return;
    this.timer = setInterval(() => void this.runNow(), this.intervalMillis);
    this.timer.unref();
  }

  /** Meters what was stored since the last run, then checks those projects' budgets. */
  runNow(): Promise<void> {
    this.current = this.current.then(async () => {
      try {
        await this.summaries.refresh();
        const { projects } = await this.meter.run();
        if (this.alerts !== undefined && projects.length > 0) await this.alerts.check(projects);
      } catch (error) {
        console.error("leantrace collector: metering failed (it runs again shortly):", error);
      }
    });
    return this.current;
  }

  /** A run shortly, coalescing many requests into one. */
  runSoon(): void {
    if (this.soon !== undefined) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.runNow();
    }, 200);
    this.soon.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.timer = undefined;
    await this.current;
  }
}

// Keeps usage metered while spans land, and sends the budget alerts that follow from it: a
// meter run every few seconds (and soon after an analysis pass or a budget change), then the
// budgets of the projects it metered are checked. Failures are logged, never thrown.
import { BudgetAlerts, Meter } from "@leantrace/budgets";
import type { Store } from "@leantrace/storage";
import type { CollectorConfig } from "./config.ts";

export class Metering {
  readonly meter: Meter;
  readonly alerts: BudgetAlerts | undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private readonly intervalMillis: number;
  private current: Promise<void> = Promise.resolve();

  constructor(store: Store, settings: CollectorConfig["budgets"] | undefined) {
    this.meter = new Meter(store);
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

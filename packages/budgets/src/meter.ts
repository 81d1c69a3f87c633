// Metering: as spans land, the days they belong to are metered again from the stored spans,
// into `usage_daily` (tokens and cost per team, application and model). Budgets read that
// table, so a question about usage costs a few hundred rows, not a scan of the spans. Run on
// a short timer by the collector, and after each analysis pass (which may mark a copy of a
// call, changing a day's usage).
import { type Store, sqlFiles } from "@leantrace/storage";
import { z } from "zod";

const loadSql = sqlFiles(new URL("../sql/", import.meta.url));
const TOUCHED_DAYS_SQL = loadSql("touched-days");
const METER_SQL = loadSql("meter");

/** How far back each read looks again, for inserts under way when the last one ran. */
const OVERLAP_MILLIS = 10_000;
/** Pairs metered per statement: bounded work per insert. */
const BATCH = 200;

const touchedSchema = z.array(z.object({ project: z.string(), day: z.string(), newest: z.string() }));

export interface MeterResult {
  /** Projects whose usage was metered again. */
  projects: string[];
  days: number;
}

/** Meters every (project, day) with spans stored since the last run; serial, never overlapping. */
export class Meter {
  private running: Promise<MeterResult> | undefined;

  constructor(private readonly store: Store) {}

  run(): Promise<MeterResult> {
    this.running ??= this.meter().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async meter(): Promise<MeterResult> {
    const touched = touchedSchema.parse(
      await this.store.select(TOUCHED_DAYS_SQL, { overlap_ms: OVERLAP_MILLIS }),
    );
    if (touched.length === 0) return { projects: [], days: 0 };
    const meteredAt = new Date().toISOString();
    for (let i = 0; i < touched.length; i += BATCH) {
      const batch = touched.slice(i, i + BATCH);
      await this.store.command(METER_SQL, {
        projects: batch.map((t) => t.project),
        days: batch.map((t) => t.day),
        metered_at: meteredAt,
      });
    }
    const newest = new Map<string, string>();
    for (const t of touched) if ((newest.get(t.project) ?? "") < t.newest) newest.set(t.project, t.newest);
    for (const [project, readUntil] of newest) {
      await this.store.command(
        "INSERT INTO {db:Identifier}.meter_watermark (project, read_until, updated_at) VALUES ({project:String}, {read_until:DateTime64(3)}, now64(3))",
        { project, read_until: readUntil },
      );
    }
    return { projects: [...newest.keys()], days: touched.length };
  }
}

// Metering: as spans land, the runs they belong to are metered again from their stored spans,
// into `usage_daily` (tokens and cost per day, team, application, model and run). Budgets read
// that table, so a question about usage costs a few rows per run, not a scan of the spans; and
// metering reads only the runs that received spans, never a whole day again. Run on a short
// timer by the collector, and after each analysis pass (which may mark a copy of a call,
// changing a run's usage: the copy is written again, so its run counts as touched).
import { millisText, parseMillisText, type Store, sqlFiles, watermarkUntil } from "@leantrace/storage";
import { z } from "zod";

const loadSql = sqlFiles(new URL("../sql/", import.meta.url));
const TOUCHED_PROJECTS_SQL = loadSql("touched-projects");
const METER_SQL = loadSql("meter");

const touchedSchema = z.array(z.object({ project: z.string(), newest: z.string() }));
const watermarkSchema = z.array(z.object({ readUntil: z.string() }));

export interface MeterResult {
  /** Projects whose usage was metered again. */
  projects: string[];
}

/** Meters every run with spans stored since the last run; serial, never overlapping. */
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
    const [mark] = watermarkSchema.parse(
      await this.store.select(
        "SELECT toString(max(read_until)) AS readUntil FROM {db:Identifier}.meter_watermark",
      ),
    );
    const touched = touchedSchema.parse(await this.store.select(TOUCHED_PROJECTS_SQL));
    if (touched.length === 0) return { projects: [] };
    // After the newest span is read and before the runs are (see watermarkUntil).
    const inFlight = this.store.oldestWriteInFlight();
    await this.store.command(METER_SQL, {
      since: new Date(parseMillisText(mark?.readUntil ?? "1970-01-01 00:00:00")).toISOString(),
      metered_at: new Date().toISOString(),
    });
    const newest = Math.max(...touched.map((t) => parseMillisText(t.newest)));
    await this.store.command(
      "INSERT INTO {db:Identifier}.meter_watermark (project, read_until, updated_at) VALUES ('', {read_until:DateTime64(3)}, now64(3))",
      { read_until: millisText(watermarkUntil(this.store, newest, inFlight)) },
    );
    return { projects: touched.map((t) => t.project) };
  }
}

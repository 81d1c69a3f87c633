// Keeps `run_summary` current, so that the `runs` view reads one row per run instead of
// resolving every run from its spans on each question (migration 0009). Each call summarises
// again the runs that received spans since the watermark, then moves the watermark to a little
// before the newest span it saw: an insert still under way carries an earlier ingested_at, and
// the view resolves from the spans every run touched after the watermark, so nothing is missed.
import { type Store, sqlFiles } from "@leantrace/storage";
import { z } from "zod";

const SUMMARIZE_SQL = sqlFiles(new URL("../sql/", import.meta.url))("summarize-runs");
/** How far behind the newest span the watermark stays. */
const OVERLAP_MILLIS = 10_000;

const watermarkSchema = z.array(z.object({ readUntil: z.string(), newest: z.string() }));

export class RunSummaries {
  private running: Promise<void> | undefined;

  constructor(private readonly store: Store) {}

  /** Summarises the runs touched since the last call; calls made meanwhile share one run. */
  refresh(): Promise<void> {
    this.running ??= this.summarize().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async summarize(): Promise<void> {
    const [mark] = watermarkSchema.parse(
      await this.store.select(
        `SELECT toString(ifNull((SELECT max(read_until) FROM {db:Identifier}.run_summary_watermark), toDateTime64(0, 3, 'UTC'))) AS readUntil,
                toString(ifNull(max(ingested_at), toDateTime64(0, 3, 'UTC'))) AS newest
         FROM {db:Identifier}.spans
         WHERE ingested_at > (SELECT max(read_until) FROM {db:Identifier}.run_summary_watermark)`,
      ),
    );
    if (mark === undefined || mark.newest <= mark.readUntil) return;
    await this.store.command(SUMMARIZE_SQL);
    const until = Date.parse(`${mark.newest.replace(" ", "T")}Z`) - OVERLAP_MILLIS;
    if (until <= Date.parse(`${mark.readUntil.replace(" ", "T")}Z`)) return;
    await this.store.command(
      "INSERT INTO {db:Identifier}.run_summary_watermark (read_until, updated_at) VALUES ({until:DateTime64(3)}, now64(3))",
      { until: new Date(until).toISOString().replace("T", " ").replace("Z", "") },
    );
  }
}

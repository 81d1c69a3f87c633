// Keeps `run_summary` current, so that the `runs` view reads one row per run instead of
// resolving every run from its spans, analyses and outcomes on each question (migrations 0009
// and 0010). Each call summarises again the runs out of date (spans, an analysis or a late
// outcome since the watermark), then moves the watermark to the newest of those it saw, or
// before any write still under way (its rows carry earlier times and are seen late); with other
// processes writing too (a ClickHouse server), a margin before. The view resolves every run out
// of date as it is now, so nothing is missed either way.
import { millisText, parseMillisText, type Store, sqlFiles, watermarkUntil } from "@leantrace/storage";
import { z } from "zod";

const SUMMARIZE_SQL = sqlFiles(new URL("../sql/", import.meta.url))("summarize-runs");
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
        `WITH (SELECT max(read_until) FROM {db:Identifier}.run_summary_watermark) AS mark
         SELECT toString(ifNull(mark, toDateTime64(0, 3, 'UTC'))) AS readUntil,
                toString(greatest(
                    (SELECT max(ingested_at) FROM {db:Identifier}.spans WHERE ingested_at > mark),
                    (SELECT max(analyzed_at) FROM {db:Identifier}.run_analysis WHERE analyzed_at > mark),
                    (SELECT max(received_at) FROM {db:Identifier}.outcomes WHERE received_at > mark))) AS newest`,
      ),
    );
    if (mark === undefined || mark.newest <= mark.readUntil) return;
    // After `newest` is read and before the runs are (see watermarkUntil).
    const inFlight = this.store.oldestWriteInFlight();
    await this.store.command(SUMMARIZE_SQL);
    const until = watermarkUntil(this.store, parseMillisText(mark.newest), inFlight);
    if (until <= parseMillisText(mark.readUntil)) return;
    await this.store.command(
      "INSERT INTO {db:Identifier}.run_summary_watermark (read_until, updated_at) VALUES ({until:DateTime64(3)}, now64(3))",
      { until: millisText(until) },
    );
  }
}

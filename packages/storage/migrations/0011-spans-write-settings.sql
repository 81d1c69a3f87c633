-- How the wide spans table is written, measured under the heavy ingest load (bench/RESULTS.md):
-- - A part being written holds a compression buffer for each stream of each column (a map column
--   has three streams, an array or a nullable two), sized by max_compress_block_size: 1 MiB by
--   default, about a hundred mebibytes for every insert and merge. Blocks of 128 KiB compress
--   these texts almost as well (3% more bytes) for the same CPU, and lower the peak memory.
-- - Merges chose parts with base 5: each row was rewritten about twice during the load, and
--   merges took a fifth of the collector's CPU. With base 10 a merge waits for more parts of like
--   size, so each row is rewritten fewer times over its life (log base 10 of the growth instead of
--   log base 5) at the price of a few more parts at once.
-- Both apply to parts written and merges chosen from now on.
ALTER TABLE {db:Identifier}.spans MODIFY SETTING
    max_compress_block_size = 131072,
    merge_selector_base = 10

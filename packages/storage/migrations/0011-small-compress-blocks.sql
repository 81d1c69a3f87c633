-- A part being written holds a compression buffer for each stream of each column (a map column
-- has three streams, an array or a nullable two), sized by max_compress_block_size: 1 MiB by
-- default, so every insert and every merge of this wide table held about a hundred mebibytes of
-- buffers. Blocks of 128 KiB compress these texts almost as well and cut the collector's peak
-- memory under load (bench/RESULTS.md). Applies to parts written from now on.
ALTER TABLE {db:Identifier}.spans MODIFY SETTING
    max_compress_block_size = 131072

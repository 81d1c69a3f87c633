-- Spans are wide rows (prompts, tool results, every attribute in a map): a merge that reads all
-- columns of many parts at once holds a block of each column of each part in memory, hundreds
-- of megabytes for this table. Vertical merges read one column at a time, at most ten parts are
-- merged at once, and merge blocks are smaller: the engine's memory stays bounded under load.
-- Statements are separated by a line holding only ";".
ALTER TABLE {db:Identifier}.spans MODIFY SETTING
    vertical_merge_algorithm_min_rows_to_activate = 1,
    vertical_merge_algorithm_min_columns_to_activate = 1,
    max_parts_to_merge_at_once = 10,
    merge_max_block_size = 2048

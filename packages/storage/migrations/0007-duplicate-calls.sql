-- A span that repeats another instrumentation's record of the same provider call names the span
-- that counts it (its own token counts are zero): see packages/normalize/src/duplicate-calls.ts.
-- Statements are separated by a line holding only ";".
ALTER TABLE {db:Identifier}.spans ADD COLUMN IF NOT EXISTS duplicate_of String AFTER cost

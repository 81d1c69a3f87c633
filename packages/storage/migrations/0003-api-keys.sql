-- API keys: only a SHA-256 hash of each key is kept, with the project the key belongs to.
CREATE TABLE IF NOT EXISTS {db:Identifier}.api_keys
(
    key_hash String,
    project LowCardinality(String),
    created_at DateTime64(3, 'UTC') DEFAULT now64(3),
    revoked UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(created_at)
ORDER BY key_hash

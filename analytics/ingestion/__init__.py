"""PostHog-compatible ingestion: decode capture requests, validate events, process
persons and write both to ClickHouse. ``writer`` documents the persons contract."""

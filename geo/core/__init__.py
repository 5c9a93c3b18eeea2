"""Stage 0, shared by every stage: area codes, the schema (levels, segments, indicators),
paths, translations and number formats, published reference figures, provenance."""

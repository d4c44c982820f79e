"""policies: see docs/architecture.md (layer placeholder until its capability lands)."""

"""Standards, clocks, events and follow-ups."""

__all__: list[str] = []

"""servicing."""

__all__: list[str] = []

"""insured."""

__all__: list[str] = []

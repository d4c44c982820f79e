"""Business calendars and their versions."""

__all__: list[str] = []

"""new_business."""

__all__: list[str] = []

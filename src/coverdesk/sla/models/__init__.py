"""The sla models live in one module per concern; Django finds them all through this package."""

from coverdesk.sla.models.calendars import *  # noqa: F403
from coverdesk.sla.models.clocks import *  # noqa: F403
from coverdesk.sla.models.evaluations import *  # noqa: F403
from coverdesk.sla.models.warnings import *  # noqa: F403

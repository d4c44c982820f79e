"""The claims models live in one module per concern; Django finds them through this package."""

from coverdesk.claims.models.assessment import *  # noqa: F403
from coverdesk.claims.models.claims import *  # noqa: F403
from coverdesk.claims.models.incidents import *  # noqa: F403
from coverdesk.claims.models.materials import *  # noqa: F403
from coverdesk.claims.models.numbering import *  # noqa: F403
from coverdesk.claims.models.settlement import *  # noqa: F403

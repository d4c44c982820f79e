"""The policies models live in one module per concern; Django finds them through this package."""

from coverdesk.policies.models.insured import *  # noqa: F403
from coverdesk.policies.models.new_business import *  # noqa: F403
from coverdesk.policies.models.policies import *  # noqa: F403
from coverdesk.policies.models.servicing import *  # noqa: F403

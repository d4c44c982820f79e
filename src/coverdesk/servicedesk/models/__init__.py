"""The service desk models live in one module per concern; Django finds them through this
package."""

from coverdesk.servicedesk.models.complaints import *  # noqa: F403
from coverdesk.servicedesk.models.inquiries import *  # noqa: F403
from coverdesk.servicedesk.models.return_visits import *  # noqa: F403
from coverdesk.servicedesk.models.surveys import *  # noqa: F403

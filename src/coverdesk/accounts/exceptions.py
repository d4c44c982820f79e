from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import NotFound


class ApiTokenNotFound(NotFound):
    default_code = "api_token_not_found"
    default_message = _("API token not found.")

from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import NotFound


class MessageNotFound(NotFound):
    default_code = "message_not_found"
    default_message = _("Message not found.")

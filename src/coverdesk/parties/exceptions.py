from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import NotFound


class PartyNotFound(NotFound):
    default_code = "party_not_found"
    default_message = _("Customer not found.")


class ContactNotFound(NotFound):
    default_code = "contact_not_found"
    default_message = _("Contact not found.")

from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentCode(models.TextChoices):
    SALES = "sales", _("Sales")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    CLAIMS = "claims", _("Claims")
    BACK_OFFICE = "back_office", _("Back office")
    MANAGEMENT = "management", _("Management")
    IT = "it", _("IT")


class RoleCode(models.TextChoices):
    """Stable role codes; each is a Django group with the same name."""

    BROKER = "broker", _("Broker / sales")
    CLERK = "clerk", _("Servicing clerk")
    AGENT = "agent", _("Customer-service agent")
    ADJUSTER = "adjuster", _("Claims handler")
    SURVEYOR = "surveyor", _("Surveyor")
    BACKOFFICE = "backoffice", _("Back office")
    HEAD = "head", _("Department head")
    MANAGER = "manager", _("Project manager / management")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")
    CUSTOMER = "customer", _("Customer")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"

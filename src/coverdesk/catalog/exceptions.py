from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import Conflict, NotFound, PermissionDenied


class ProductNotFound(NotFound):
    default_code = "catalog_product_not_found"
    default_message = _("Product {code} not found.")


class ProductVersionNotFound(NotFound):
    default_code = "catalog_product_version_not_found"
    default_message = _("Product version not found.")


class NoVersionInForce(NotFound):
    default_code = "catalog_no_version_in_force"
    default_message = _("Product {code} has no published version in force on {on}.")


class CoverageNotFound(NotFound):
    default_code = "catalog_coverage_not_found"
    default_message = _("Coverage {code} not found in this product version.")


class VersionPublished(Conflict):
    default_code = "catalog_version_published"
    default_message = _(
        "Version {number} of {code} is published and cannot change; draft a new version."
    )


class ProductsManageOnly(PermissionDenied):
    default_code = "catalog_manage_only"
    default_message = _("Only a product administrator may change the catalogue.")

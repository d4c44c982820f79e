"""Roles of domain.md §1 as Django groups with named permissions (least privilege).

Later capabilities add their permissions to these lists. Group names are the stable role codes.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from coverdesk.accounts.choices import DepartmentCode, RoleCode

POLICY_VIEW = ["policies.view_policy", "policies.view_policyversion", "policies.view_endorsement"]
# Permissions every staff member (not customers) has: customers, and the timeliness calendars
# and standards that their deadlines come from.
STAFF_BASE = [
    "parties.view_party",
    "sla.view_calendar",
    "sla.view_slastandard",
    "catalog.view_product",
    "policies.view_aircraft",
    "policies.view_insuredperson",
    *POLICY_VIEW,
]
# Brokers take new business and underwrite within their limit; clerks process servicing and
# approve within theirs; heads and managers decide above those limits (policies.AuthorityLimit).
NEW_BUSINESS = ["policies.manage_new_business", "policies.underwrite", "policies.issue_policy"]
SERVICING = ["policies.process_servicing", "policies.approve_servicing"]
# Keeping the insured-object registers: brokers for new business, clerks for servicing.
INSURED_OBJECTS_WRITE = [
    "policies.add_aircraft",
    "policies.change_aircraft",
    "policies.add_insuredperson",
    "policies.change_insuredperson",
    "policies.import_insured_objects",
]
SLA_ALL_CLOCKS = ["sla.view_all_clocks", "sla.view_kpis"]
# Claims (issue 5): agents take reports on the hotline; adjusters handle and approve within
# their authority (claims.ClaimAuthorityLimit); surveyors survey; back office and managers pay.
CLAIM_VIEW = ["claims.view_claim"]
CLAIM_HANDLE = ["claims.report_claim", "claims.handle_claim", "claims.approve_claim"]
# Service desk (issue 6): agents run the desk; inquiries can be transferred to clerks and
# adjusters, who answer them; heads and managers decide responsibility and run surveys.
DESK_VIEW = [
    "servicedesk.view_inquiry",
    "servicedesk.view_complaint",
    "servicedesk.view_survey",
    "servicedesk.view_serviceissue",
    "servicedesk.view_returnvisitprogramme",
]
DESK_AGENT = [
    "servicedesk.view_inquiry",
    "servicedesk.handle_inquiry",
    "servicedesk.view_complaint",
    "servicedesk.handle_complaint",
    "servicedesk.view_returnvisitprogramme",
    "servicedesk.manage_return_visits",
    "servicedesk.view_serviceissue",
    "servicedesk.handle_service_issue",
    "servicedesk.view_cannedanswer",
    "servicedesk.view_survey",
]
DESK_INQUIRY = ["servicedesk.view_inquiry", "servicedesk.handle_inquiry"]
CANNED_ANSWERS_WRITE = ["servicedesk.add_cannedanswer", "servicedesk.change_cannedanswer"]
PARTY_WRITE = ["parties.add_party", "parties.change_party"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    RoleCode.BROKER: [
        *STAFF_BASE,
        *PARTY_WRITE,
        "parties.view_pii",
        *INSURED_OBJECTS_WRITE,
        *NEW_BUSINESS,
    ],
    RoleCode.CLERK: [
        *STAFF_BASE,
        *PARTY_WRITE,
        "parties.view_pii",
        *INSURED_OBJECTS_WRITE,
        *SERVICING,
        *DESK_INQUIRY,
    ],
    RoleCode.AGENT: [*STAFF_BASE, *PARTY_WRITE, *CLAIM_VIEW, "claims.report_claim", *DESK_AGENT],
    RoleCode.ADJUSTER: [
        *STAFF_BASE,
        "parties.view_pii",
        *CLAIM_VIEW,
        *CLAIM_HANDLE,
        "claims.view_incident",
        *DESK_INQUIRY,
    ],
    RoleCode.SURVEYOR: [*STAFF_BASE, *CLAIM_VIEW, "claims.survey_claim"],
    RoleCode.BACKOFFICE: [*STAFF_BASE, "parties.view_pii", *CLAIM_VIEW, "claims.pay_claim"],
    RoleCode.HEAD: [
        *STAFF_BASE,
        "accounts.view_user",
        "policies.underwrite",
        "policies.approve_servicing",
        "sla.view_department_clocks",
        "sla.view_department_kpis",
        *CLAIM_VIEW,
        "claims.handle_claim",
        "claims.approve_claim",
        "claims.view_incident",
        *DESK_AGENT,
        "servicedesk.determine_complaint_responsibility",
        *CANNED_ANSWERS_WRITE,
        "servicedesk.manage_surveys",
    ],
    RoleCode.MANAGER: [
        *STAFF_BASE,
        "accounts.view_user",
        "policies.underwrite",
        "policies.approve_servicing",
        "policies.issue_policy",
        *SLA_ALL_CLOCKS,
        "sla.manage_evaluations",
        *CLAIM_VIEW,
        "claims.approve_claim",
        "claims.pay_claim",
        "claims.view_incident",
        *DESK_VIEW,
        "servicedesk.view_cannedanswer",
        "servicedesk.determine_complaint_responsibility",
        "servicedesk.manage_surveys",
    ],
    RoleCode.AUDITOR: [
        *STAFF_BASE,
        "audit.view_auditentry",
        "accounts.view_user",
        *SLA_ALL_CLOCKS,
        *CLAIM_VIEW,
        "claims.view_incident",
        *DESK_VIEW,
    ],
    RoleCode.ADMIN: [
        *STAFF_BASE,
        *PARTY_WRITE,
        "accounts.view_user",
        "accounts.manage_users",
        "audit.view_auditentry",
        "sla.change_calendar",
        "sla.change_slastandard",
        "sla.change_evaluationrule",
        "catalog.manage_products",
        "policies.change_policynumbersequence",
        "policies.change_authoritylimit",
        "claims.change_claimauthoritylimit",
        "claims.change_claimnumbersequence",
        *CANNED_ANSWERS_WRITE,
    ],
    RoleCode.CUSTOMER: [],
}

ROLE_DEPARTMENT: dict[str, str | None] = {
    RoleCode.BROKER: DepartmentCode.SALES,
    RoleCode.CLERK: DepartmentCode.CUSTOMER_SERVICE,
    RoleCode.AGENT: DepartmentCode.CUSTOMER_SERVICE,
    RoleCode.ADJUSTER: DepartmentCode.CLAIMS,
    RoleCode.SURVEYOR: DepartmentCode.CLAIMS,
    RoleCode.BACKOFFICE: DepartmentCode.BACK_OFFICE,
    RoleCode.HEAD: DepartmentCode.CLAIMS,
    RoleCode.MANAGER: DepartmentCode.MANAGEMENT,
    RoleCode.AUDITOR: DepartmentCode.MANAGEMENT,
    RoleCode.ADMIN: DepartmentCode.IT,
    RoleCode.CUSTOMER: None,
}


def _permission(label: str) -> Permission | None:
    app_label, codename = label.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def roles_sync() -> list[str]:
    """Create or update one group per role; returns the permissions not found (yet)."""
    missing: list[str] = []
    for code, labels in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=code)
        found = []
        for label in labels:
            permission = _permission(label)
            if permission is None:
                missing.append(label)
            else:
                found.append(permission)
        group.permissions.set(found)
    return missing


def roles_sync_after_migrate(sender: Any, **kwargs: Any) -> None:
    # post_migrate fires once per app; permissions of later apps appear on their turn, so the
    # last call sees them all. Only the default database carries roles.
    if kwargs.get("using", "default") != "default":
        return
    if not Permission.objects.exists():
        return
    roles_sync()


def user_roles(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_coverdesk_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._coverdesk_roles = cached
    return cached


def user_is_customer(user: Any) -> bool:
    return RoleCode.CUSTOMER in user_roles(user)

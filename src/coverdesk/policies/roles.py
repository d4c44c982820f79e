"""The policies permissions each role should hold: the proposal to merge into
`coverdesk.accounts.roles.ROLE_PERMISSIONS` (accounts sits below policies and cannot import
this). Brokers take new business and underwrite within their limit; clerks process servicing
and approve within theirs; heads and managers decide above those limits; customers read their
own policies through `policies.access` and hold no permission. The limits themselves are the
`AuthorityLimit` rows (migration 0003)."""

from __future__ import annotations

VIEW = ["policies.view_policy", "policies.view_policyversion", "policies.view_endorsement"]

POLICY_ROLE_PERMISSIONS: dict[str, list[str]] = {
    "broker": [
        *VIEW,
        "policies.manage_new_business",
        "policies.underwrite",
        "policies.issue_policy",
    ],
    "clerk": [*VIEW, "policies.process_servicing", "policies.approve_servicing"],
    "agent": [*VIEW],
    "adjuster": [*VIEW],
    "surveyor": [*VIEW],
    "backoffice": [*VIEW],
    "head": [*VIEW, "policies.underwrite", "policies.approve_servicing"],
    "manager": [
        *VIEW,
        "policies.underwrite",
        "policies.approve_servicing",
        "policies.issue_policy",
    ],
    "auditor": [*VIEW],
    "admin": [
        *VIEW,
        "policies.change_policynumbersequence",
        "policies.change_authoritylimit",
    ],
    "customer": [],
}

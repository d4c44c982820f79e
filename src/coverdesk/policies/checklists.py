"""Document checklists of applications and servicing requests (domain.md §3.1 document review:
identity, licences, proof of value as the product requires; §3.2: complete, true, valid).
Pure data: each checklist row becomes a document row of the case, with its Chinese and English
name kept as written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from coverdesk.catalog.choices import CoverageKind
from coverdesk.policies.choices import ServicingKind


@dataclass(frozen=True)
class DocumentSpec:
    code: str
    name: str
    name_en: str
    required: bool = True


APPLICATION_FORM = DocumentSpec(
    "application_form", "投保单（加盖公章）", "Application form, signed and stamped"
)
LEGAL_STATUS = DocumentSpec(
    "legal_status",
    "投保人主体资格证明（统一社会信用代码证或批准文件）",
    "Proof of the applicant's legal status (credit code certificate or approval)",
)
AGENT_IDENTITY = DocumentSpec(
    "agent_identity",
    "经办人身份证明及授权书",
    "Identity document and authorisation of the person acting",
)
AIRCRAFT_REGISTRATION = DocumentSpec(
    "aircraft_registration", "航空器国籍登记证", "Aircraft nationality registration certificate"
)
AIRWORTHINESS = DocumentSpec("airworthiness", "航空器适航证", "Airworthiness certificate")
AIRCRAFT_VALUE = DocumentSpec(
    "aircraft_value",
    "航空器价值证明（购置发票或评估报告）",
    "Proof of the aircraft's value (purchase invoice or valuation)",
)
LOSS_RECORD = DocumentSpec(
    "loss_record", "近三年飞行及事故记录", "Flight and accident record of the last three years"
)
INSURED_LIST = DocumentSpec(
    "insured_list",
    "被保险人员清单（姓名、身份证号、岗位类别）",
    "List of insured persons (name, ID number, category)",
)
PILOT_LICENCES = DocumentSpec(
    "pilot_licences", "飞行员执照及体检合格证", "Pilot licences and medical certificates"
)

APPLICATION_COMMON = (APPLICATION_FORM, LEGAL_STATUS, AGENT_IDENTITY)
APPLICATION_BY_COVERAGE_KIND: dict[str, tuple[DocumentSpec, ...]] = {
    CoverageKind.PACKAGE: (AIRCRAFT_REGISTRATION, AIRWORTHINESS, AIRCRAFT_VALUE, LOSS_RECORD),
    CoverageKind.HULL: (AIRCRAFT_REGISTRATION, AIRWORTHINESS, AIRCRAFT_VALUE, LOSS_RECORD),
    CoverageKind.LIABILITY: (AIRCRAFT_REGISTRATION, AIRWORTHINESS, LOSS_RECORD),
    CoverageKind.PERSONAL_ACCIDENT: (INSURED_LIST,),
    CoverageKind.LOSS_OF_LICENCE: (INSURED_LIST, PILOT_LICENCES),
}

SERVICING_APPLICATION = DocumentSpec(
    "servicing_application", "保全申请书（加盖公章）", "Servicing application, signed and stamped"
)
APPLICANT_IDENTITY = DocumentSpec(
    "applicant_identity",
    "申请人身份证明或授权书",
    "Applicant's identity document or authorisation",
)
SERVICING_BY_KIND: dict[str, tuple[DocumentSpec, ...]] = {
    ServicingKind.CHANGE_DETAILS: (
        DocumentSpec("change_proof", "变更事项证明材料", "Proof of the changed details"),
    ),
    ServicingKind.ADD_PERSONS: (
        DocumentSpec(
            "persons_added",
            "新增被保险人员清单及身份证明",
            "List of the persons added with their identity documents",
        ),
    ),
    ServicingKind.REMOVE_PERSONS: (
        DocumentSpec(
            "persons_removed",
            "减少被保险人员清单及离职或调岗证明",
            "List of the persons removed with proof of leaving or transfer",
        ),
    ),
    ServicingKind.ADD_AIRCRAFT: (
        DocumentSpec(
            "aircraft_or_equipment",
            "新增航空器登记证、适航证或加装设备清单",
            "Registration and airworthiness of the aircraft, or the list of added equipment",
        ),
        DocumentSpec(
            "value_proof",
            "价值证明（购置发票或评估报告）",
            "Proof of value (purchase invoice or valuation)",
        ),
    ),
    ServicingKind.REMOVE_AIRCRAFT: (
        DocumentSpec(
            "removal_proof",
            "航空器或设备退出运营、转让或拆除证明",
            "Proof the aircraft or equipment left service, was sold or removed",
        ),
    ),
    ServicingKind.CHANGE_SUM: (
        DocumentSpec(
            "valuation_report", "价值评估报告或购置凭证", "Valuation report or purchase records"
        ),
    ),
    ServicingKind.CHANGE_CLAUSES: (
        DocumentSpec(
            "clause_request", "特别约定变更书面申请", "Written request to change the clauses"
        ),
    ),
    ServicingKind.CANCELLATION: (
        DocumentSpec("original_policy", "保险单正本", "Original policy document"),
        DocumentSpec("refund_account", "退费账户信息", "Bank account for the refund"),
    ),
}


def application_checklist(coverage_kinds: Iterable[str]) -> list[DocumentSpec]:
    """The documents an application needs for the chosen coverages, each once."""
    specs: dict[str, DocumentSpec] = {spec.code: spec for spec in APPLICATION_COMMON}
    for kind in coverage_kinds:
        for spec in APPLICATION_BY_COVERAGE_KIND.get(kind, ()):
            specs.setdefault(spec.code, spec)
    return list(specs.values())


def servicing_checklist(kind: str) -> list[DocumentSpec]:
    return [SERVICING_APPLICATION, APPLICANT_IDENTITY, *SERVICING_BY_KIND.get(kind, ())]

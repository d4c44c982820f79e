"""Stable codes of the catalogue with translated labels. The values are stored and used by other
apps (policies, claims): never rename one, add a new one instead."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class RefundMethod(models.TextChoices):
    """How a cancellation refund is worked out (the arithmetic lives in policies)."""

    PRO_RATA = "pro_rata", _("Pro rata by day")
    SHORT_RATE = "short_rate", _("Short-rate table")
    FLAT = "flat", _("Flat share of the premium")


class CoverageKind(models.TextChoices):
    HULL = "hull", _("Hull and spare parts")
    LIABILITY = "liability", _("Liability")
    PERSONAL_ACCIDENT = "personal_accident", _("Personal accident")
    LOSS_OF_LICENCE = "loss_of_licence", _("Loss of licence")
    PACKAGE = "package", _("Package of sections")


class InsuredObjectKind(models.TextChoices):
    """What one premium line of a coverage is written on."""

    AIRCRAFT = "aircraft", _("Aircraft")
    PERSON = "person", _("Insured person")


class PersonCategory(models.TextChoices):
    PILOT = "pilot", _("Pilot")
    AIRCREW = "aircrew", _("Aircrew")
    GROUND_CREW = "ground_crew", _("Ground crew")


class LimitKind(models.TextChoices):
    PER_OCCURRENCE = "per_occurrence", _("Per occurrence")
    AGGREGATE = "aggregate", _("Aggregate for the period")
    PER_PERSON = "per_person", _("Per person")


class LimitBasis(models.TextChoices):
    AMOUNT = "amount", _("Fixed amount")
    AGREED_VALUE = "agreed_value", _("Share of the agreed value")


class DeductibleKind(models.TextChoices):
    AMOUNT = "amount", _("Fixed amount")
    PERCENTAGE = "percentage", _("Percentage of the loss, with a minimum")


class RatingMethod(models.TextChoices):
    AGREED_VALUE_RATE = "agreed_value_rate", _("Rate × agreed value")
    SUM_INSURED_RATE = "sum_insured_rate", _("Rate × sum insured")
    PER_HEAD = "per_head", _("Premium per head by person category")
    PER_SEAT = "per_seat", _("Premium per passenger seat")
    FLAT = "flat", _("Flat premium per insured object")


class LossType(models.TextChoices):
    """Kinds of loss a claim is about; material checklists, limits and deductibles may be
    specific to one."""

    HULL_PARTIAL = "hull_partial", _("Hull: partial loss (repair)")
    HULL_TOTAL = "hull_total", _("Hull: total or constructive total loss")
    SPARE_PARTS = "spare_parts", _("Spare parts")
    THIRD_PARTY_INJURY = "third_party_injury", _("Third party: injury or death")
    THIRD_PARTY_PROPERTY = "third_party_property", _("Third party: property damage")
    PASSENGER_INJURY = "passenger_injury", _("Passenger: injury or death")
    POLICE_DOG = "police_dog", _("Police dog on board killed")
    ACCIDENTAL_DEATH = "accidental_death", _("Accidental death")
    ACCIDENTAL_DISABILITY = "accidental_disability", _("Accidental disability")
    MEDICAL_EXPENSES = "medical_expenses", _("Accidental medical expenses")
    LOSS_OF_LICENCE = "loss_of_licence", _("Loss of licence")


class ClauseCategory(models.TextChoices):
    SPECIAL = "special", _("Special clause (特别约定)")
    ADDITIONAL = "additional", _("Additional clause (附加条款)")


class ClauseKind(models.TextChoices):
    """Each kind has its own parameter schema (`coverdesk.catalog.parameters`)."""

    GENERAL = "general", _("Text only")
    CONSTRUCTIVE_TOTAL_LOSS = "constructive_total_loss", _("Constructive total loss")
    POLICE_DOG = "police_dog", _("Police dog on board")
    ADDED_EQUIPMENT = "added_equipment", _("Added equipment")
    AUTHORISED_PILOT = "authorised_pilot", _("Authorised, qualified pilots only")
    FLIGHT_AREA = "flight_area", _("Flight area")
    REPAIR_CONFIDENTIALITY = "repair_confidentiality", _("Repair-cost confidentiality")
    PASSENGER_DEFINITION = "passenger_definition", _("Extended passenger definition")
    POLICE_DUTY = "police_duty", _("Police duty")
    NON_SOCIAL_MEDICAL = "non_social_medical", _("Expenses outside social medical insurance")
    LOSS_OF_LICENCE = "loss_of_licence", _("Loss of licence terms")

"""Insured-object registers: aircraft and insured persons, their change history and bulk import."""

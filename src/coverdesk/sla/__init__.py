"""Timeliness (时效) engine: business calendars, standards, clocks, warnings, follow-ups, KPIs.

A generic engine: it refers to its subjects by (type, id) and imports no domain model.
`engine.py` is the pure arithmetic; the rest is a thin database shell around it.
"""

"""The timeliness API (tag "timeliness"): calendars, deadlines, standards, clocks, warnings,
follow-up reports, KPIs and evaluations."""

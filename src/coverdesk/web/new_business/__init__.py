"""The broker's new-business pages: needs intake, consultations, quotes side by side,
application with its documents, underwriting, payment, issue and follow-ups."""

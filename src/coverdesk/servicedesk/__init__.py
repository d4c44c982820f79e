"""servicedesk: inquiries on every channel, complaints, return visits and satisfaction surveys
(issue 6)."""

"""reports: read-only report tables and their exports (Excel). Reports read the domains and the
engines below them; nothing below imports reports."""

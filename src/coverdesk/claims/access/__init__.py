"""Permission-checked reads of claims, incidents and their files."""

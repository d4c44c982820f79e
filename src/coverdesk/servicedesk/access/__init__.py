"""Permission-checked reads of the service desk."""

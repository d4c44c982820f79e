"""Permission-checked fetches of the policies app, one module per concern."""

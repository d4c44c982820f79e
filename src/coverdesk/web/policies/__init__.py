"""Policy pages: list and search, detail with versions, documents, statistics, expiring policies
and renewals; read-only for customers (their own organisation's policies)."""

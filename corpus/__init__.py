"""hitta: the SQLite store (source of truth) and evaluation against gold."""

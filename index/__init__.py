"""hitta: search structures derived from the store."""

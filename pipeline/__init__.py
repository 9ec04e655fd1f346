"""hitta: the pipeline stages, from source text to record."""

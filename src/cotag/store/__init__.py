"""Storage: table models (models.py) and one module of queries per table."""

"""CLI command groups, one module per area; cli.py registers them. Each imports heavy modules lazily."""

"""Exports for papers and member checks: themed quote tables, code x attribute matrices, co-occurrence tables."""

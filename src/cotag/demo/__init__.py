"""The demo project: the study's codebook and the synthetic corpus in transcripts/, and simulated coders.

The corpus itself is written at build time by ``python -m demo_corpus`` (the
``demo_corpus/`` folder of the source checkout, not part of this package).
"""

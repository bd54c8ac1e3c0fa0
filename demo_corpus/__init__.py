"""The synthetic demo corpus generator: interview transcripts shaped like the study's.

``python -m demo_corpus`` (from the repository root) writes ``transcripts/``
(143 expert and 44 graduate interviews, a reference coding and a README) from
the phrase banks in ``banks/``.  The text is invented; the study's real
transcripts are confidential.  A build-time tool, not part of the installed
cotag package: at run time cotag reads only the files it wrote.
"""

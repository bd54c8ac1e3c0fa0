"""The synthetic demo corpus: a seeded generator of interview transcripts shaped like the study's.

``python -m cotag.demo.generate`` writes ``transcripts/`` (143 expert and 44
graduate interviews, a reference coding and a README).  The text is invented;
the study's real transcripts are confidential.
"""

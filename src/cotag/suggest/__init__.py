"""Code suggestions learnt from the project itself, measured like a third coder before anyone trusts them.

- `data`: what the suggester learns from and works on, read from the store: the documents' units
  (with their neighbours), the codebook's codes, and the codings of the chosen sources (the
  consensus by default; coders only when the lead asks, since that would break blindness).
- `features`: TF-IDF of a unit and of its neighbours, and the codebook's keywords.
- `model`: one class-weighted logistic regression per code; suggestions with a score and reasons
  (keyword, codebook example, similar coded unit); saved under the project folder without pickle.
- `evaluate`: cross-validation by document, scored with the reliability core's own report
  against the consensus or a coder, beside a keyword-only baseline.

Nothing leaves the machine and nothing is downloaded. scikit-learn is imported only when training.
"""

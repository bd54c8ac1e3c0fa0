"""Privacy by design: pseudonyms as a layer over the stored text, and the disclosure check of attributions."""

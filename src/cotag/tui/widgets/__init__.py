"""Widgets of the coding screen: the transcript, the codebook panel, the codes on the current unit."""

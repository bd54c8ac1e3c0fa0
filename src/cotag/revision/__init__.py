"""Revising a coded document's text: align old and new, carry codings and rulings, keep the old text for undo."""

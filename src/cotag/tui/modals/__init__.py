"""Typed modal dialogs: code picker, memo editor, corpus search, coder chooser."""

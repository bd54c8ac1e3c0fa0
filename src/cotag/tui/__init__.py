"""The coder's terminal UI (Textual): the only part of cotag that imports Textual."""

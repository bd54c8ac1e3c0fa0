"""Full screens of the coding app: library, transcript, help."""

"""Sentence embeddings for the semantic detectors: all-MiniLM-L6-v2 without torch."""

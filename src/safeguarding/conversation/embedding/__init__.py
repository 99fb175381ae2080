"""Sentence embeddings for the tactic model: the multilingual Universal Sentence Encoder."""

"""Sentence embeddings: the multilingual Universal Sentence Encoder (the tactic and moment
models), multilingual-e5-small (the moment's second reading), and training's cache of vectors."""

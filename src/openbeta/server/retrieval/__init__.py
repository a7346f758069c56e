"""Retrieval: parse -> chunk -> embed -> index -> search."""

"""API resources, each a sync class and its async twin."""

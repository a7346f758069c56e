"""The service layer: what the API does, independent of HTTP. Routes call these."""

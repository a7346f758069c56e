"""The openbeta server: ``create_app(settings)`` builds the ASGI app."""

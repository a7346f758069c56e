"""Server-side tools that need more than a service: the code interpreter's sandboxes."""

"""Business logic: what the API does, independent of HTTP."""

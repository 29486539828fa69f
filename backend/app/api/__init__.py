"""The HTTP layer: routes, dependencies and response helpers."""

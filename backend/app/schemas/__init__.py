"""Pydantic models that document the API's bodies in OpenAPI."""

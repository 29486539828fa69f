"""Helpers shared by the test suites: databases, servers and record factories."""

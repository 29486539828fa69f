"""A PostgreSQL-backed, drop-in replacement for json-server 0.17.4 serving /patients."""

"""Command-line tools run from backend/ as `python -m scripts.<name>`."""

"""Benchmarks that print numbers (`make bench` runs `python -m bench`)."""

"""Benchmarks and their recorded results."""

"""Benchmarks: each prints our figure beside the bare library doing the same work in the same run."""

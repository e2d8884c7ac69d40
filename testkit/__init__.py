"""Helpers the tests and the benchmarks share (never imported by the product).

Benchmarks import no test module: what both need lives here.
"""

"""Benchmarks: each module prints its figures and writes JSON plus Markdown to bench/results/.

Run everything with ``python -m bench`` (``--quick`` for a CI-sized run), or one benchmark with
``python -m bench.<name>``. Every timed figure is measured next to a baseline in the same run,
so the ratio is what to compare across machines, not the absolute numbers.
"""

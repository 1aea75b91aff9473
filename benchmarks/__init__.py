"""scopecast's benchmarks: speed measured as ratios against a baseline timed in the same run.

Run them with ``python -m benchmarks`` from the repository root (``--quick`` for a short
run, ``--full`` to add training on 1M generated traces). See ``benchmarks/run.py``.
Nothing here is imported by the package or by the test suite: machines are noisy, so speed
is measured only here, and reported as ratios next to the absolute figures.
"""

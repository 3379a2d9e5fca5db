"""The benchmark harness: ``python -m benchmarks.run`` (see docs/performance.md).

Modules here import only the standard library at module level, so the worker
can run under the official SDK's separate virtual environment as well.
"""

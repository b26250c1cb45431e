"""LambdaCraft's Python runtime, started by runtimes/python/bootstrap.py."""

"""MSCOS Community Forum service: boards, threads and posts under pseudonymous identities."""

__version__ = "0.1.0"

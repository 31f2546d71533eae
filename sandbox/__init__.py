"""Local stand-ins for outside services, started by `make run` and used by tests."""

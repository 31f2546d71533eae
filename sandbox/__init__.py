"""Local stand-ins for outside services, used by `make run` and the tests."""

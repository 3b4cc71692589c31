"""Helpers the tests share; test files import from here, never from each other or a conftest."""

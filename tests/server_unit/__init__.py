"""Fast unit tests of the server helpers: plain data in, plain data out, no subprocess."""

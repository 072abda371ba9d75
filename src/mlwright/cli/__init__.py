"""The ``mlwright`` command line: parse, call the Python API, print."""

"""The repository's data folders, ``schemas/`` and ``fixtures/``, as packages of routify_suite.

They are packages (not bare folders) so that every kind of install, the wheel, a strict and a
default editable install, maps them under this name and ``importlib.resources`` finds them.
"""

"""Errors the command line turns into a one-line message instead of a traceback."""


class CliError(Exception):
    """An expected failure with a message for the user (bad input, missing model)."""

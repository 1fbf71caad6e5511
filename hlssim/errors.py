"""Errors hlssim raises for bad input: each message is one line naming the field, value and rule."""


class HlssimError(Exception):
    """Base class for errors caused by the user's input, reported without a traceback."""


class ScenarioError(HlssimError, ValueError):
    """A scenario parameter, preset or scenario file is invalid."""


class SpecError(HlssimError, ValueError):
    """An experiment spec is invalid: the message names the field, the value and what is allowed."""

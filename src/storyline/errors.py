"""The library's own errors: the CLI turns these into a one-line message and a non-zero exit."""


class StorylineError(Exception):
    """Base of every error storyline raises on purpose (bad input, missing extra, ...)."""


class InputError(StorylineError):
    """An input file or folder cannot be used; the message names the file and the problem."""


class MissingExtraError(StorylineError):
    """An optional dependency is not installed; the message names the extra to install."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(f"{module} is not installed: pip install 'storyline[{extra}]' to use this feature")
        self.module = module
        self.extra = extra

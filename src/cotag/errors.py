"""Errors a researcher can act on: every one names the file, line, value or option at fault."""


class CotagError(Exception):
    """A problem with the user's input or project; the CLI prints it without a traceback."""


class ProjectNotFound(CotagError):
    pass


class ImportRefused(CotagError):
    pass


class NotFound(CotagError):
    pass


class PermissionDenied(CotagError):
    pass

"""Exceptions that carry their own one-line user message and exit status.

Bad input that makes the evidence unusable raises ``UnusableInput``; the CLI catches it in one
place, prints its lines and exits with status 2. Problems the checks can report are findings,
not exceptions.
"""

from __future__ import annotations


class EvidenceKitError(Exception):
    """Base class: ``str(error)`` is the message a user sees."""

    exit_code = 2


class UnusableInput(EvidenceKitError):
    """Input the toolkit cannot use, with the places it is wrong (``file:line: message``)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    @classmethod
    def at(cls, file: str, line: int | None, message: str) -> "UnusableInput":
        return cls([located(file, line, message)])


class UsageError(EvidenceKitError):
    """The command was called wrongly."""


def located(file: str | None, line: int | None, message: str) -> str:
    """``file:line: message``, the form every tool and editor understands."""
    where = file or "<input>"
    if line is not None:
        where = f"{where}:{line}"
    return f"{where}: {message}"

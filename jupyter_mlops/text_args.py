"""Splitting a line of arguments like a POSIX shell, for the magics and for promotion alike.

Backslashes are kept as typed (``C:\\data\\x.csv`` stays a Windows path), so a
``%mlops param`` line means the same when the magic runs it and when
``promote_notebook`` reads it from the notebook.
"""

from __future__ import annotations

import io
import shlex

from .errors import InvalidArgument


class Word(str):
    """One argument of a line; ``quoted`` says whether any part of it was in quotes."""

    quoted: bool = False


class UnbalancedQuote(InvalidArgument):
    """A quote opened in a line and never closed."""

    def __init__(self, line: str, quote: str) -> None:
        self.argument, self.expected, self.quote = "line", "balanced quotes", quote
        ValueError.__init__(
            self,
            f"unbalanced {quote} in {line.strip()!r}: close the quote, or wrap a "
            'word holding a quote character in the other kind ("it\'s")',
        )


def split_line(line: str) -> list[Word]:
    """Split like a POSIX shell, without backslash escapes; an unbalanced quote is ``UnbalancedQuote``."""
    stream = io.StringIO(line)
    lex = shlex.shlex(stream, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    lex.escape = ""
    words: list[Word] = []
    start = 0
    while True:
        try:
            token = lex.get_token()
        except ValueError:
            raise UnbalancedQuote(line, lex.state) from None
        if token is None:
            return words
        end = stream.tell()
        word = Word(token)
        raw = line[start:end]
        word.quoted = '"' in raw or "'" in raw
        words.append(word)
        start = end

"""Loaded by schemathesis (SCHEMATHESIS_HOOKS) before its workers start.

Python 3.11 keeps the AST builder's recursion counter in state shared by the
whole interpreter, so two threads parsing source at once can fail with
"SystemError: AST constructor recursion depth mismatch". Hypothesis parses
source to describe the lambdas in its strategies, and with two workers this
once ended a run with a runtime error that had nothing to do with the server.
Parsing is serialised here; nothing else changes.
"""

import ast
import threading

_lock = threading.Lock()
_parse = ast.parse


def _parse_one_at_a_time(*args, **kwargs):
    with _lock:
        return _parse(*args, **kwargs)


ast.parse = _parse_one_at_a_time

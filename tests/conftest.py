"""Test options: ``--slow`` runs the larger cross-check sets."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="run the larger cross-check sets")

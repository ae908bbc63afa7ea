"""Helpers shared by the tests that drive the app with Streamlit's ``AppTest``."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "ui" / "app.py"


def run_app(timeout: float = 120) -> AppTest:
    """The app after its first run (the default scenario loaded)."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.run()
    assert not at.exception
    return at


def page(at: AppTest, name: str) -> AppTest:
    """Switch to ``ui/app_pages/<name>.py`` and run it; it must not raise."""
    at.switch_page(f"app_pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, key: str) -> AppTest:
    """Click the button ``key`` and run; it must not raise."""
    at.button(key=key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def load(at: AppTest, name: str) -> None:
    """Load the shipped scenario ``name`` on the Scenario page."""
    at.selectbox(key="sc_pick").set_value(name)
    click(at, "sc_load")


def texts(elements) -> str:
    """The values of Streamlit elements (errors, captions, ...) as one text."""
    return "\n".join(str(e.value) for e in elements)


def metrics(at: AppTest) -> dict[str, str]:
    """Every metric shown: label -> value."""
    return {m.label: m.value for m in at.metric}

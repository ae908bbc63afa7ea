"""Screenshots of every page for docs/user-guide.md, taken with headless Chromium.

    .venv/bin/python -m ui.screenshots [OUT_DIR]     # default docs/img

Starts the app (:mod:`ui.serve`), then plays the guide's walk-through: the
default scenario, a solve, the plan, one edit (one handover team instead of
two), a second solve, the comparison; then the negotiator pages: Explain on an
infeasible teaching scenario, What-if variants, and the Scoreboard with the
shipped re-planning example. Needs the ``playwright`` package and
Debian's Chromium at ``/usr/bin/chromium``. The browser helpers here are also
used by ``tests/test_browser.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import yaml

from planner.generate import generate
from ui import serve

WIDTH = 1200
BROKEN = """\
format: exchange-scenario/1
name: Broken example
horizon_hours: 72
captives:
  - {id: children, status: living, count: 0}
  - {id: women, status: alive, count: 3, deadline_hour: 48}
rounds: {max_rounds: 2, duration_hours: 4, detainee_lag_hours: [6, 2]}
sites: [{id: rafah, max_captives_per_round: -1}]
teams: {count: 2, size: 4}
"""
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless, with nothing that reaches the network by itself."""
    return playwright.chromium.launch(
        executable_path=serve.CHROMIUM, args=serve.CHROMIUM_ARGS, headless=True
    )


def wait_idle(page: Any, timeout: float = 30.0) -> None:
    """Wait until the app's script has finished its run (and a little for drawing)."""
    page.wait_for_selector(IDLE, timeout=timeout * 1000)
    page.wait_for_timeout(400)
    page.wait_for_selector(IDLE, timeout=timeout * 1000)


def go(page: Any, title: str) -> None:
    """Open a page of the app through the navigation (the session is kept)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=title, exact=False).first.wait_for()
    wait_idle(page)


def solve(page: Any, timeout: float = 60.0) -> float:
    """On the Solve page: press Solve, wait for this solve's result; return the seconds taken."""
    name = page.get_by_role("textbox", name="Plan name").input_value()
    started = time.monotonic()
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_role("heading", name=f"Result: {name}", exact=True).wait_for(timeout=timeout * 1000)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=timeout * 1000)
    seconds = time.monotonic() - started
    wait_idle(page)
    return seconds


def shoot(page: Any, path: Path, height: int | None = None, top: bool = False) -> Path:
    """A screenshot of the main area (``height`` px tall, or the whole page).

    ``top``: scroll the page back to its top first (after buttons further down).
    """
    page.set_viewport_size({"width": WIDTH, "height": height or 900})
    if top:
        page.evaluate(
            'document.querySelectorAll(\'[data-testid="stMain"], '
            '[data-testid="stAppViewContainer"]\').forEach(e => e.scrollTo(0, 0))'
        )
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=height is None)
    try:  # 256 colours are plenty for the app's flat colours, at a third of the size
        from PIL import Image
    except ImportError:
        return path
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    return path


def load_shipped(page: Any, name: str, title: str) -> None:
    """On the Scenario page: load a shipped scenario and wait until it is shown."""
    go(page, "Scenario")
    page.get_by_role("combobox", name="Shipped scenario").click()
    page.get_by_role("option", name=name).click()
    page.get_by_role("button", name="Load", exact=True).click()
    page.get_by_text(title).first.wait_for()
    wait_idle(page)


def negotiator_pages(page: Any, out: Path) -> list[Path]:
    """Explain, What-if and Scoreboard, each with an example that shows what it is for."""
    shots: list[Path] = []
    load_shipped(page, "teaching-buses-infeasible.yaml", "Teaching scenario 3")
    go(page, "Explain")
    page.get_by_role("button", name="Explain", exact=True).click()
    page.get_by_text("What it would take").wait_for(timeout=180_000)
    wait_idle(page, 180)
    shots.append(shoot(page, out / "explain.png", 1150))

    load_shipped(page, "teaching-basic.yaml", "Teaching scenario 1")
    go(page, "What-if")
    variants = page.get_by_role("textbox", name="Variants, one per line")
    variants.fill("gap48: rounds.min_gap_hours=48\nrounds.open_hours=[6, 22]")
    variants.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Compare", exact=True).click()
    page.get_by_text("Round by round").wait_for(timeout=120_000)
    wait_idle(page, 120)
    shots.append(shoot(page, out / "whatif.png", 1400))

    load_shipped(page, "october-2025.yaml", "October 2025 deal")
    go(page, "Scoreboard")
    page.get_by_role("button", name="Load the shipped example").click()
    wait_idle(page)
    page.get_by_role("button", name="Re-plan", exact=True).click()
    page.get_by_text("New plan", exact=True).wait_for(timeout=120_000)
    wait_idle(page, 120)
    page.get_by_role("combobox", name="Plan to stress").click()
    page.keyboard.type("Shipped example")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("samples keep every deadline").wait_for(timeout=120_000)
    wait_idle(page, 120)
    shots.append(shoot(page, out / "scoreboard.png", 3400, top=True))
    return shots


def main(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with serve.app_server() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": WIDTH, "height": 900})
        page.set_default_timeout(30_000)
        page.goto(url)
        page.get_by_text("Valid:").wait_for()
        wait_idle(page)
        shots.append(shoot(page, out / "scenario.png", 1000))

        page.get_by_role("tab", name="Sites & capacities").click()
        wait_idle(page)
        shots.append(shoot(page, out / "scenario-capacities.png", 1300))

        go(page, "Solve")
        solve(page)
        page.get_by_text("Solver progress").click()
        wait_idle(page)
        shots.append(shoot(page, out / "solve.png", 1500))

        go(page, "Plan")
        page.locator(".js-plotly-plot").first.wait_for()
        shots.append(shoot(page, out / "plan.png", 1500))

        # One edit: a single handover team, so the two living rounds cannot overlap.
        go(page, "Scenario")
        page.get_by_role("tab", name="Sites & capacities").click()
        teams = page.get_by_label("Teams (overlapping handovers)")
        teams.fill("1")
        teams.press("Enter")
        wait_idle(page)
        go(page, "Solve")
        solve(page)
        shots.append(shoot(page, out / "solve-again.png", 900))

        go(page, "Compare")
        page.locator(".js-plotly-plot").first.wait_for()
        shots.append(shoot(page, out / "compare.png", 1700))

        # A scenario with phases and milestones, for the dependency graph.
        go(page, "Scenario")
        page.get_by_role("combobox", name="Shipped scenario").click()
        page.get_by_role("option", name="teaching-phases.yaml").click()
        page.get_by_role("button", name="Load", exact=True).click()
        page.get_by_text("Teaching scenario 2").first.wait_for()
        wait_idle(page)
        page.get_by_role("tab", name="Phases").click()
        wait_idle(page)
        shots.append(shoot(page, out / "scenario-phases.png", 1350))

        # A malformed upload: every problem with its field path, nothing loaded.
        broken = out / "broken-scenario.yaml"
        broken.write_text(BROKEN, encoding="utf-8")
        try:
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(broken)
            page.get_by_text("was not loaded").wait_for()
            wait_idle(page)
        finally:
            broken.unlink()
        shots.append(shoot(page, out / "upload-errors.png", 800))

        # A larger generated scenario, to see the progress while CP-SAT searches; then Stop.
        big = out / "generated-16.yaml"
        big.write_text(yaml.safe_dump(generate(16, 0), sort_keys=False), encoding="utf-8")
        try:
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(big)
            page.get_by_text("generated-16.yaml").first.wait_for()
            wait_idle(page)
        finally:
            big.unlink()
        go(page, "Solve")
        page.get_by_role("button", name="Solve", exact=True).click()
        page.get_by_role("heading", name="Solving:").wait_for()
        page.get_by_text("best so far").first.wait_for()
        page.wait_for_timeout(2500)
        shots.append(shoot(page, out / "solve-progress.png", 1150))
        # The app's Stop button (the header's status widget also has one while a run lasts).
        page.get_by_test_id("stBaseButton-secondary").filter(has_text="Stop").click()
        page.get_by_role("heading", name="Result:").wait_for(timeout=60_000)
        wait_idle(page)

        shots += negotiator_pages(page, out)
        browser.close()
    return shots


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else serve.ROOT / "docs" / "img"
    for shot in main(target):
        print(shot)

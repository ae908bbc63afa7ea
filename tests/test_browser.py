"""The app in a real browser: Debian's Chromium, headless, driven with Playwright.

Starts ``streamlit run ui/app.py`` on a free localhost port, solves the default
scenario through the page, and checks the Gantt timeline and the KPIs the plan
page shows; a screenshot of the plan page is saved in the test's output folder.
Skipped only when ``/usr/bin/chromium`` is missing (``apt-get install -y chromium``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from models.loader import load_scenario
from planner.solve import solve
from ui import screenshots, serve

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not Path(serve.CHROMIUM).exists(),
    reason=f"Debian's Chromium is not installed at {serve.CHROMIUM} "
    "(install it with: apt-get install -y chromium)",
)


def test_solve_the_default_scenario_in_a_browser(tmp_path):
    scenario = load_scenario(ROOT / "instances" / "october-2025.yaml")
    expected = solve(scenario, time_limit=30).plan
    assert expected.status == "optimal"
    k = expected.kpis
    # living_release_hours 900 = 20 living x hour 45: the last living home hour is unique.
    assert expected.objective["living_release_hours"] == 20 * k["last_living_home_hour"]

    with serve.app_server(log=tmp_path / "server.log") as url, sync_playwright() as p:
        browser = screenshots.launch(p)
        try:
            page = browser.new_page(viewport={"width": screenshots.WIDTH, "height": 1400})
            page.set_default_timeout(30_000)
            page.goto(url)
            expect(page.get_by_role("heading", name="Scenario").first).to_be_visible()
            expect(page.get_by_text("Valid: 48 captives in 5 cohorts")).to_be_visible()

            screenshots.go(page, "Solve")
            screenshots.solve(page)
            expect(page.get_by_text("Optimal: the plan respects every rule")).to_be_visible()
            expect(page.get_by_text("every rule of the scenario holds")).to_be_visible()

            screenshots.go(page, "Plan")
            gantt = page.locator(".js-plotly-plot").filter(has_text="handover window")
            expect(gantt).to_be_visible()
            for r in expected.rounds:
                expect(gantt.locator("text", has_text=f"R{r.index}").first).to_be_attached()
            expect(gantt.locator("text", has_text="phase pullback-to-agreed-line")).to_be_attached()

            metrics = page.locator('[data-testid="stMetric"]')
            expect(metrics).to_have_count(6)
            shown = {}
            for i in range(6):
                m = metrics.nth(i)
                label = m.locator('[data-testid="stMetricLabel"]').inner_text().strip()
                shown[label] = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
            assert shown == {
                "Last living home": f"hour {k['last_living_home_hour']}",
                "Rounds": str(expected.objective["rounds"]),
                "Makespan": f"hour {expected.objective['makespan']}",
                "Captives released": str(sum(c.count for c in scenario.captives)),
                "Detainees released": str(sum(d.count for d in scenario.detainees)),
                "Robustness": f"{k['robustness']:.0%}",
            }

            shot = tmp_path / "plan-page.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
            print(f"screenshot: {shot}")

            # One edit (a single handover team), solve again: the new plan is shown with
            # its change against the first. The time is printed, not asserted (speed is
            # measured, not tested: tests must pass on a slow machine).
            screenshots.go(page, "Scenario")
            page.get_by_role("tab", name="Sites & capacities").click()
            teams = page.get_by_label("Teams (overlapping handovers)")
            teams.fill("1")
            teams.press("Enter")
            screenshots.wait_idle(page)
            screenshots.go(page, "Solve")
            seconds = screenshots.solve(page)
            first = page.locator('[data-testid="stMetric"]').first
            expect(first.locator('[data-testid="stMetricValue"]')).to_have_text(
                f"hour {k['last_living_home_hour'] + 3}"
            )
            expect(first.locator('[data-testid="stMetricDelta"]')).to_have_text("3")
            print(f"re-solve after one edit shown in {seconds:.2f} s")
        finally:
            browser.close()

"""exchange-planner app: ``streamlit run ui/app.py`` (or ``make run``).

One entry point: it loads the default scenario into the session on first run,
collects a finished solve, shows the sidebar summary and runs the page chosen
in the navigation. The pages are in ``ui/app_pages/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run ui/app.py` puts only ui/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from ui import state  # noqa: E402

PAGES = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="exchange-planner", page_icon=":material/swap_horiz:", layout="wide")
state.init()
state.collect()

pages = [
    st.Page(PAGES / "scenario.py", title="Scenario", icon=":material/edit_note:", default=True),
    st.Page(PAGES / "solve.py", title="Solve", icon=":material/play_circle:"),
    st.Page(PAGES / "plan.py", title="Plan", icon=":material/view_timeline:"),
    st.Page(PAGES / "compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page(PAGES / "explain.py", title="Explain", icon=":material/help:"),
    st.Page(PAGES / "whatif.py", title="What-if", icon=":material/science:"),
    st.Page(PAGES / "scoreboard.py", title="Scoreboard", icon=":material/scoreboard:"),
]
page = st.navigation(pages)

with st.sidebar:
    ss = st.session_state
    st.caption("Scenario")
    st.markdown(f"**{ss.data.get('name') or '(no name)'}**")
    if ss.scenario is None:
        st.error(
            f"{len(ss.problems)} problem(s): fix them on the Scenario page.",
            icon=":material/warning:",
        )
    else:
        st.caption(f"{ss.source}" + (" · edited" if state.edited() else "") + " · valid")
    if state.running() is not None:

        @st.fragment(run_every=0.5)
        def _solving() -> None:
            """While a solve runs, on any page: its time, and a rerun when it ends."""
            job = st.session_state.get("job")
            if job is None or job.done:
                st.rerun()
            st.info(f"Solving '{job.name}'… {job.elapsed:.0f} s", icon=":material/hourglass_top:")

        _solving()
    st.caption(f"Plans this session: {len(state.plans())}")

page.run()

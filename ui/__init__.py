"""The Streamlit planner app: edit a scenario, solve it, read and compare plans.

Entry point: ``streamlit run ui/app.py``. The app is thin: every number it shows
comes from :mod:`models` and :mod:`planner`; this package only shapes data for
display (:mod:`ui.views`, :mod:`ui.tables`, :mod:`ui.charts`) and keeps the
session's state (:mod:`ui.state`).
"""

"""Plotly figures built from the frames of :mod:`ui.views` (pure: data in, figure out)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import networkx as nx
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui import views

PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
)
KIND_COLORS = {"round": "#1f77b4", "phase": "#9aa5b1", "detainee release": "#d62728"}
MARK_COLORS = {
    "phase deadline": "#a40000",
    "captive deadline": "#d35400",
    "detainee deadline": "#7d3c98",
    "horizon": "#555555",
}


def _hour_axis(
    fig: go.Figure, last: float, start: datetime | None, ticks: int = 15, **where
) -> None:
    """Hours on x, a tick every day (or every few days, for at most ``ticks`` ticks)."""
    days = max(1, int(last // 24) + 1)
    step = 24 * max(1, math.ceil(days / ticks))
    fig.update_xaxes(
        title_text="hour" + (f" (0 = {start:%d %b %Y %H:%M})" if start else ""),
        tick0=0,
        dtick=step,
        range=[-0.5, last * 1.03 + 1],
        **where,
    )


def gantt_figure(
    frame: pd.DataFrame,
    marks: pd.DataFrame | None = None,
    lanes: Sequence[str] | None = None,
    start: datetime | None = None,
    title: str = "",
) -> go.Figure:
    """Timeline of rounds per site and of phases, with detainee releases and deadlines.

    ``frame`` is :func:`ui.views.gantt_frame`, ``marks`` :func:`ui.views.deadline_marks`.
    """
    lanes = list(lanes) if lanes is not None else list(dict.fromkeys(frame["lane"]))
    fig = go.Figure()
    for kind in ("round", "phase"):
        part = frame[frame["kind"] == kind]
        if part.empty:
            continue
        fig.add_trace(
            go.Bar(
                name="handover window" if kind == "round" else "phase",
                y=part["lane"],
                x=(part["end"] - part["start"]).clip(lower=0.6),
                base=part["start"],
                orientation="h",
                marker_color=KIND_COLORS[kind],
                marker_line_width=0,
                text=part["label"],
                textposition="outside" if kind == "round" else "inside",
                insidetextanchor="middle",
                cliponaxis=False,
                hovertext=part["detail"],
                hoverinfo="text",
                width=0.55,
            )
        )
    rel = frame[frame["kind"] == "detainee release"]
    if not rel.empty:
        fig.add_trace(
            go.Scatter(
                name="detainees released",
                y=rel["lane"],
                x=rel["start"],
                mode="markers",
                marker={
                    "symbol": "triangle-down",
                    "size": 11,
                    "color": KIND_COLORS[rel.iloc[0]["kind"]],
                },
                hovertext=rel["detail"],
                hoverinfo="text",
            )
        )
    last = float(max(frame["end"].max() if len(frame) else 0, 1))
    if marks is not None and len(marks):
        on_lane = marks[marks["lane"].isin(lanes)]
        if not on_lane.empty:
            fig.add_trace(
                go.Scatter(
                    name="phase deadline",
                    y=on_lane["lane"],
                    x=on_lane["hour"],
                    mode="markers",
                    marker={"symbol": "line-ns-open", "size": 22, "line": {"width": 3}},
                    marker_color=MARK_COLORS["phase deadline"],
                    hovertext=on_lane["label"],
                    hoverinfo="text",
                )
            )
            last = max(last, float(on_lane["hour"].max()))
        lines = marks[marks["lane"].isna() & (marks["kind"] != "horizon")]
        for row in lines.itertuples(index=False):
            fig.add_vline(
                x=row.hour,
                line_dash="dash",
                line_color=MARK_COLORS.get(row.kind, "#555"),
                line_width=1.5,
                annotation_text=row.label,
                annotation_position="top",
                annotation_font_size=10,
            )
            last = max(last, float(row.hour))
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(lanes)), title_text="")
    _hour_axis(fig, last, start)
    fig.update_layout(
        title=title or None,
        barmode="overlay",
        height=190 + 42 * max(1, len(lanes)),
        margin={"l": 10, "r": 10, "t": 60 if title else 30, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.35, "x": 0},
        uniformtext={"minsize": 9, "mode": "hide"},
        hoverlabel={"align": "left"},
    )
    return fig


def curves_figure(curves: Sequence[tuple[str, pd.DataFrame]]) -> go.Figure:
    """Cumulative release curves, one panel per series, one line per plan.

    ``curves`` pairs a plan name with :func:`ui.views.release_curves`.
    """
    series = views.CURVE_SERIES
    fig = make_subplots(rows=1, cols=len(series), subplot_titles=series, horizontal_spacing=0.06)
    last = 1.0
    for i, (name, frame) in enumerate(curves):
        color = PALETTE[i % len(PALETTE)]
        for j, s in enumerate(series):
            part = frame[frame["series"] == s]
            fig.add_trace(
                go.Scatter(
                    x=part["hour"],
                    y=part["released"],
                    mode="lines",
                    line_shape="hv",
                    line={"color": color, "width": 2.5 if i == 0 else 2, "dash": _dash(i)},
                    name=name,
                    legendgroup=name,
                    showlegend=j == 0,
                    hovertemplate=f"{name}<br>hour %{{x}}: %{{y}} {s}<extra></extra>",
                ),
                row=1,
                col=j + 1,
            )
            if len(part):
                last = max(last, float(part["hour"].max()))
    for j in range(len(series)):
        _hour_axis(fig, last, None, ticks=5, row=1, col=j + 1)
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(title_text="released (cumulative)", row=1, col=1)
    fig.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
    )
    return fig


def _dash(i: int) -> str:
    return ("solid", "dash", "dot", "dashdot")[i % 4]


def progress_figure(frame: pd.DataFrame, terms: Sequence[str]) -> go.Figure:
    """Best value and bound over time, one panel per stage of the objective.

    ``frame`` is :func:`ui.views.progress_frame`.
    """
    n = max(1, len(terms))
    fig = make_subplots(
        rows=1,
        cols=n,
        subplot_titles=[f"{i + 1}. {t}" for i, t in enumerate(terms)] or [""],
        horizontal_spacing=0.07,
    )
    for i in range(n):
        part = frame[frame["stage"] == i + 1]
        for column, color, label in (
            ("incumbent", "#1f77b4", "best plan"),
            ("bound", "#ff7f0e", "bound"),
        ):
            values = part[["elapsed", column]].dropna()
            fig.add_trace(
                go.Scatter(
                    x=values["elapsed"],
                    y=values[column],
                    mode="lines+markers",
                    line_shape="hv",
                    line_color=color,
                    marker_size=5,
                    name=label,
                    legendgroup=label,
                    showlegend=i == 0,
                    hovertemplate=f"{label}: %{{y:.0f}} at %{{x:.2f}} s<extra></extra>",
                ),
                row=1,
                col=i + 1,
            )
        fig.update_xaxes(title_text="seconds", nticks=4, row=1, col=i + 1)
        fig.update_yaxes(nticks=5, row=1, col=i + 1)
    fig.update_annotations(font_size=12)
    fig.update_layout(
        height=280,
        margin={"l": 10, "r": 10, "t": 40, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.1, "x": 0},
    )
    return fig


NODE_COLORS = {"phase": "#1f77b4", "milestone": "#2ca02c", "zone": "#ff7f0e", "missing": "#a40000"}
NODE_SYMBOLS = {"phase": "square", "milestone": "diamond", "zone": "circle", "missing": "x"}


def graph_figure(g: nx.DiGraph) -> go.Figure:
    """The phase dependency graph (:func:`ui.views.phase_graph`), left to right."""
    pos = views.graph_positions(g)
    cycle = views.cycle_edges(g)
    fig = go.Figure()
    for u, v, attrs in g.edges(data=True):
        (x0, y0), (x1, y1) = pos[u], pos[v]
        bad = (u, v) in cycle
        fig.add_annotation(
            x=x1,
            y=y1,
            ax=x0,
            ay=y0,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=3,
            arrowsize=1.3,
            arrowwidth=2.5 if bad else 1.5,
            arrowcolor="#a40000" if bad else "#666",
            standoff=14,
            startstandoff=10,
            text="",
        )
        if attrs.get("label"):
            fig.add_annotation(
                x=(x0 + x1) / 2,
                y=(y0 + y1) / 2,
                text=attrs["label"],
                showarrow=False,
                font={"size": 10, "color": "#444"},
                bgcolor="rgba(255,255,255,0.8)",
            )
    for kind, color in NODE_COLORS.items():
        nodes = [n for n, a in g.nodes(data=True) if a.get("kind") == kind]
        if not nodes:
            continue
        fig.add_trace(
            go.Scatter(
                x=[pos[n][0] for n in nodes],
                y=[pos[n][1] for n in nodes],
                mode="markers+text",
                marker={"size": 18, "color": color, "symbol": NODE_SYMBOLS[kind]},
                text=[g.nodes[n]["label"] for n in nodes],
                textposition="bottom center",
                hovertext=[g.nodes[n]["detail"] for n in nodes],
                hoverinfo="text",
                name={"missing": "unknown phase"}.get(kind, kind),
            )
        )
    xs = [x for x, _ in pos.values()] or [0.0]
    ys = [y for _, y in pos.values()] or [0.0]
    fig.update_xaxes(visible=False, range=[min(xs) - 0.6, max(xs) + 0.6])
    fig.update_yaxes(visible=False, range=[min(ys) - 0.8, max(ys) + 0.5])
    fig.update_layout(
        height=260 + 90 * max(0, math.ceil(max(ys) - min(ys))),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        plot_bgcolor="white",
    )
    return fig


def peak_figure(frame: pd.DataFrame) -> go.Figure:
    """Peak use as a share of each limit (capacities without a limit left out)."""
    part = frame[frame["limit"].notna() & (frame["limit"] > 0)]
    fig = go.Figure(
        go.Bar(
            x=part["use %"].astype(float),
            y=part["capacity"],
            orientation="h",
            marker_color=["#a40000" if b else "#1f77b4" for b in part["binding"]],
            text=[f"{p} / {lim}" for p, lim in zip(part["peak"], part["limit"], strict=True)],
            textposition="auto",
            hovertemplate="%{y}: %{x:.0f}% of the limit<extra></extra>",
        )
    )
    fig.add_vline(x=100, line_dash="dash", line_color="#a40000")
    fig.update_xaxes(title_text="peak use, % of limit", range=[0, 105])
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(list(part["capacity"]))))
    fig.update_layout(
        height=80 + 32 * max(1, len(part)), margin={"l": 10, "r": 10, "t": 10, "b": 40}
    )
    return fig

"""Plots of the evidence: plotly figures returned by library functions (no ``.show()`` inside).

The notebooks display them and the HTML report embeds them. plotly is imported here only, so the
check command never pays for it.
"""

from __future__ import annotations

from typing import Any

from .loader import Evidence


def completeness_plot(evidence: Evidence) -> Any:
    """Citation completeness per article: the share of claims cited, of statistics in cited
    claims, and of cited references with a DOI or PMID, as grouped bars (0-100%)."""
    import plotly.graph_objects as go

    from .checks import completeness

    table = completeness(evidence)
    figure = go.Figure()
    for share, part, whole, name in (
            ("share_claims_cited", "claims_cited", "claims", "claims cited"),
            ("share_statistics_cited", "statistics_cited", "statistics", "statistics cited"),
            ("share_references_identified", "references_identified", "references_cited",
             "cited references with DOI/PMID")):
        values = table[share].astype("float64")
        figure.add_bar(
            name=name, x=table["article"].astype(str), y=values.fillna(0) * 100,
            text=[f"{int(p)}/{int(w)}" if w else "none" for p, w in zip(table[part], table[whole])],
            textposition="outside",
            customdata=list(zip(table[part].astype(int), table[whole].astype(int))),
            hovertemplate=f"article %{{x}}<br>{name}: %{{customdata[0]}} of %{{customdata[1]}}"
                          " (%{y:.0f}%)<extra></extra>")
    figure.update_layout(title="Citation completeness per article", barmode="group", height=380,
                         xaxis_title="article", yaxis_title="share (%)", yaxis_range=[0, 115],
                         legend={"orientation": "h", "y": -0.25}, margin={"t": 60, "b": 40})
    figure.update_xaxes(type="category")
    return figure


# --------------------------------------------------------------------------------------------
# Statistics: the articles' figures beside what their sources report

# Colours of a source by its relation to the article's figure (see sources.py).
RELATION_COLOURS = {
    "within": "#2e7d32",
    "narrower": "#ef6c00",
    "wider": "#f9a825",
    "disjoint": "#c62828",
    "incomparable": "#757575",
    "no number": "#757575",
    "set aside": "#b0b0b0",
}
ARTICLE_COLOUR = "#1f3b73"
POOLED_COLOUR = "#6a1b9a"
AXIS_TITLES = {
    "proportion": "proportion (%)",
    "share": "share of the first group (%)",
    "years": "age (years)",
    "seconds": "duration (seconds)",
    "count": "count",
    "per person-year": "rate (per person-year)",
}


def _scale(unit: str | None) -> float:
    """Proportions and shares are drawn in percent."""
    return 100.0 if unit in ("proportion", "share") else 1.0


def _topic(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def _na(value: Any) -> Any:
    try:
        return None if value is None or value != value else value
    except TypeError:  # pd.NA
        return None


def _strip_rows(evidence: Evidence, measure: str | None = None,
                statistics: Any = None) -> list[dict[str, Any]]:
    """The rows of an evidence strip: each statistic, then its sources, then their pool.

    Each row has its ``label`` (the y category), ``role`` (article | source | pooled), the
    interval (``low``/``high``, None when open, on the compared scale), the ``point`` drawn as a
    marker, its ``unit``, ``relation`` (sources), ``hover`` text, and ``statistic``/``claim``/``key``.
    """
    from .sources import (METHOD_EXACT, METHOD_POOLED, METHOD_WILSON, WILSON, compare_sources,
                          interval_of, parsed, printed_interval, source_intervals)

    stats = evidence.statistics if statistics is None else statistics
    if measure is not None:
        stats = stats[stats["measure"].map(_topic) == _topic(measure)]
    compared = compare_sources(evidence)
    counted = source_intervals(evidence)
    claims = dict(zip(evidence.claims["claim"], evidence.claims["statement"]))
    rows: list[dict[str, Any]] = []
    for stat in stats.astype(object).where(stats.notna(), None).to_dict("records"):
        interval = printed_interval(stat["text"])
        if interval is None:
            continue
        topic = stat["measure"] + (f" of {stat['condition']}" if stat["condition"] else "")
        statement = " ".join(str(claims.get(stat["claim"], "")).split())
        rows.append({
            "label": f"{stat['claim']} article: {stat['text']}", "role": "article",
            "low": interval.low, "high": interval.high, "point": interval.low if interval.is_point else None,
            "unit": interval.unit, "relation": None, "statistic": stat["statistic"], "claim": stat["claim"],
            "key": None,
            "hover": (f"claim {stat['claim']} (article {stat['article']}): {stat['text']}<br>"
                      f"{topic}: {interval.describe()}<br>{_wrap(statement)}")})
        mine = compared[compared["statistic"] == stat["statistic"]]
        ours = counted[counted["statistic"] == stat["statistic"]]
        for src in mine.astype(object).where(mine.notna(), None).to_dict("records"):
            value = parsed(src["value"])
            printed = interval_of(value)
            point = (src["n"] / src["N"]) if src["n"] is not None else (
                printed.low if printed is not None and printed.is_point else None)
            if src["unit"] == "share" and value.kind in ("ratio", "ratio range") and printed is not None:
                point = printed.low if printed.is_point else None
            hover = [f"source {src['key']}: {src['value']}",
                     f"population: {src['population'] or 'not recorded'}",
                     f"for claim {stat['claim']}: {stat['text']}",
                     f"relation: {src['relation']}"]
            exact = ours[(ours["key"] == src["key"]) & (ours["method"] == METHOD_EXACT)]
            if src["basis"] == WILSON:
                wilson = ours[(ours["key"] == src["key"]) & (ours["method"] == METHOD_WILSON)]
                hover.append(f"{src['n']} of {src['N']}: Wilson 95% "
                             f"{_percent(wilson['low'].iloc[0])} to {_percent(wilson['high'].iloc[0])}")
                if len(exact):
                    hover.append(f"Clopper-Pearson 95% {_percent(exact['low'].iloc[0])} to "
                                 f"{_percent(exact['high'].iloc[0])}")
            elif src["basis"]:
                hover.append(src["basis"])
            rows.append({
                "label": f"{stat['claim']} source: {src['key']} ({src['value']})", "role": "source",
                "low": _na(src["source_low"]), "high": _na(src["source_high"]), "point": point,
                "unit": src["unit"], "relation": src["relation"], "statistic": stat["statistic"],
                "claim": stat["claim"], "key": src["key"], "hover": "<br>".join(hover)})
        pooled = ours[ours["method"] == METHOD_POOLED]
        for pool in pooled.astype(object).to_dict("records"):
            rows.append({
                "label": f"{stat['claim']} pooled: {pool['value']}", "role": "pooled",
                "low": pool["low"], "high": pool["high"], "point": pool["proportion"], "unit": "proportion",
                "relation": None, "statistic": stat["statistic"], "claim": stat["claim"], "key": None,
                "hover": (f"random-effects pool (logit scale, DerSimonian-Laird) for claim {stat['claim']}: "
                          f"{_percent(pool['proportion'])}, 95% {_percent(pool['low'])} to "
                          f"{_percent(pool['high'])}<br>tau2 {pool['tau2']:.3g}, I2 {pool['i2'] * 100:.0f}%"
                          f"<br>{pool['n']} of {pool['N']} in all")})
    return rows


def _percent(value: float) -> str:
    return f"{value * 100:.3g}%"


def _wrap(text: str, width: int = 80) -> str:
    import textwrap

    return "<br>".join(textwrap.wrap(text, width)) if text else ""


def _edges(rows: list[dict[str, Any]]) -> tuple[float, float]:
    """Where an open side is drawn to: 0 (no value here is negative) and past the largest value."""
    units = {row["unit"] for row in rows}
    if units <= {"proportion", "share"}:
        return 0.0, 1.0
    finite = [v for row in rows for v in (row["low"], row["high"], row["point"]) if v is not None]
    top = max(finite) if finite else 1.0
    return min(0.0, *finite) if finite else 0.0, top * 1.25 if top > 0 else 1.0


def _add_rows(figure: Any, rows: list[dict[str, Any]], row: int | None = None, col: int | None = None) -> None:
    """One trace per row: the interval as a segment (an open side runs to the edge, marked by a
    triangle), and the point value as a marker."""
    low_edge, high_edge = _edges(rows)
    where = {"row": row, "col": col} if row is not None else {}
    for item in rows:
        scale = _scale(item["unit"])
        colour = (ARTICLE_COLOUR if item["role"] == "article" else POOLED_COLOUR if item["role"] == "pooled"
                  else RELATION_COLOURS.get(item["relation"] or "", "#757575"))
        low = item["low"] if item["low"] is not None else low_edge
        high = item["high"] if item["high"] is not None else high_edge
        xs, symbols = [], []
        single = item["low"] is not None and item["low"] == item["high"]
        if (item["low"] is not None or item["high"] is not None) and not (single and item["point"] is not None):
            xs = [low * scale, high * scale]
            symbols = ["triangle-left" if item["low"] is None else "line-ns",
                       "triangle-right" if item["high"] is None else "line-ns"]
        if item["point"] is not None:
            xs.append(item["point"] * scale)
            symbols.append("diamond" if item["role"] == "pooled" else "circle")
        figure.add_scatter(
            x=xs, y=[item["label"]] * len(xs), mode="lines+markers" if len(xs) > 1 else "markers",
            name=item["label"], showlegend=False, hovertext=[item["hover"]] * len(xs), hoverinfo="text",
            line={"color": colour, "width": 6 if item["role"] == "article" else 3},
            marker={"color": colour, "symbol": symbols, "size": 11, "line": {"color": colour, "width": 2}},
            meta={"role": item["role"], "statistic": item["statistic"], "claim": item["claim"],
                  "key": item["key"], "relation": item["relation"]},
            **where)


def _legend(figure: Any) -> None:
    """Legend-only entries for the colours."""
    entries = [("article's figure", ARTICLE_COLOUR)]
    entries += [(f"source: {name}", colour) for name, colour in RELATION_COLOURS.items()
                if name not in ("incomparable", "no number", "set aside")]
    entries += [("source without a comparable number", RELATION_COLOURS["no number"]),
                ("source set aside (another population or outcome)", RELATION_COLOURS["set aside"]),
                ("random-effects pool", POOLED_COLOUR)]
    for name, colour in entries:
        figure.add_scatter(x=[None], y=[None], mode="markers", name=name, marker={"color": colour, "size": 10},
                           showlegend=True, hoverinfo="skip", meta={"role": "legend"})


def _height(rows: int) -> int:
    # Room for the legend's seven entries beside even a short strip.
    return max(330, 110 + 40 * rows)


def evidence_strip(evidence: Evidence, measure: str) -> Any:
    """A forest-style strip for one measure: each article's stated range beside each source's
    value and 95% interval (Wilson where the source gives counts), and a random-effects pool where
    two or more sources give counts. Sources are coloured by their relation to the article's
    figure: within, narrower, wider, disjoint."""
    import plotly.graph_objects as go

    rows = _strip_rows(evidence, measure)
    figure = go.Figure()
    units = [row["unit"] for row in rows if row["role"] == "article"]
    unit = units[0] if units else None
    _add_rows(figure, rows)
    _legend(figure)
    figure.update_layout(
        title=f"Evidence for {measure}: the articles' figures beside their sources",
        xaxis_title=AXIS_TITLES.get(unit or "", "value"), yaxis_title=None,
        height=_height(len(rows)), margin={"l": 20, "r": 20, "t": 60, "b": 50}, hovermode="closest")
    if unit in ("proportion", "share"):
        figure.update_xaxes(range=[0, 100])
    figure.update_yaxes(type="category", categoryorder="array", categoryarray=[r["label"] for r in rows],
                        autorange="reversed")
    if not rows:
        figure.add_annotation(text=f"no readable statistic measures {measure}", showarrow=False,
                              xref="paper", yref="paper", x=0.5, y=0.5)
    return figure


SEX_RATIO = "sex ratio"
# Sex ratios as printed, at their share of males.
SEX_RATIO_TICKS = [(1, 1), (1, 2), (2, 1), (3, 1), (4, 1), (1, 3)]


def sex_ratio_plot(evidence: Evidence) -> Any:
    """Every sex ratio (the measure "sex ratio") and its sources on the share-of-males scale: 2:1 is
    67% male, 4:1 is 80%. The dashed line is 1:1; ticks name the ratios."""
    import plotly.graph_objects as go

    rows = _strip_rows(evidence, SEX_RATIO)
    figure = go.Figure()
    _add_rows(figure, rows)
    _legend(figure)
    ticks = sorted(SEX_RATIO_TICKS, key=lambda t: t[0] / (t[0] + t[1]))
    figure.update_layout(
        title="Sex ratios on the share-of-males scale (male:female)",
        xaxis_title="share of males (%); ticks name the male:female ratio", height=_height(len(rows)),
        margin={"l": 20, "r": 20, "t": 60, "b": 50})
    drawn = [v * 100 for row in rows for v in (row["low"], row["high"], row["point"]) if v is not None]
    left = min([40.0, *(v - 5 for v in drawn)])
    figure.update_xaxes(range=[max(0.0, left), 100], tickangle=0,
                        tickvals=[100 * m / (m + f) for m, f in ticks],
                        ticktext=[f"{m}:{f}<br>{100 * m / (m + f):.0f}%" for m, f in ticks])
    figure.update_yaxes(type="category", categoryorder="array", categoryarray=[r["label"] for r in rows],
                        autorange="reversed")
    figure.add_vline(x=50, line_dash="dash", line_color="#9e9e9e")
    if not rows:
        figure.add_annotation(text="no readable sex ratio in the evidence", showarrow=False,
                              xref="paper", yref="paper", x=0.5, y=0.5)
    return figure


def statistics_by_measure(evidence: Evidence) -> Any:
    """All statistics of all articles, one panel per measure (and unit), each article's figure as a
    segment or point; hover names the claim, the article and the statement."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    panels: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for row in _strip_rows(evidence):
        if row["role"] != "article":
            continue
        measure = evidence.statistics.loc[evidence.statistics["statistic"] == row["statistic"], "measure"]
        panels.setdefault((str(measure.iloc[0]), row["unit"]), []).append(row)
    if not panels:
        figure = go.Figure()
        figure.update_layout(title="All statistics by measure")
        figure.add_annotation(text="no readable statistic in the evidence", showarrow=False,
                              xref="paper", yref="paper", x=0.5, y=0.5)
        return figure
    keys = sorted(panels, key=lambda k: (_topic(k[0]), k[1] or ""))
    heights = [len(panels[k]) for k in keys]
    gap = 110  # pixels between panels: the axis title above the next panel's title
    total = 100 + sum(50 + 34 * h for h in heights) + gap * (len(keys) - 1)
    figure = make_subplots(rows=len(keys), cols=1, subplot_titles=[measure for measure, _ in keys],
                           row_heights=[50 + 34 * h for h in heights],
                           vertical_spacing=gap / total if len(keys) > 1 else 0.0)
    for index, key in enumerate(keys, start=1):
        rows = panels[key]
        for row in rows:
            row["label"] = row["label"].replace(" article: ", ": ")
        _add_rows(figure, rows, row=index, col=1)
        figure.update_xaxes(title_text=AXIS_TITLES.get(key[1] or "", "value"), row=index, col=1)
        if key[1] in ("proportion", "share"):
            figure.update_xaxes(range=[0, 100], row=index, col=1)
        figure.update_yaxes(type="category", categoryorder="array", autorange="reversed",
                            categoryarray=[r["label"] for r in rows], row=index, col=1)
    figure.update_layout(title="All statistics by measure, across articles", height=total, showlegend=False,
                         margin={"l": 20, "r": 20, "t": 80, "b": 40})
    return figure

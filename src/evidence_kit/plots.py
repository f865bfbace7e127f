"""Plots of the evidence: plotly figures returned by library functions (no ``.show()`` inside).

The notebooks display them and the HTML report embeds them. plotly is imported here only, so the
check command never pays for it.
"""

from __future__ import annotations

from typing import Any

from .load import Evidence


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

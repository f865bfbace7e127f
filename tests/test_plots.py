"""The plots' data, not their pixels: traces' x and y, titles, axis titles, hover text."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import pytest

from evidence_kit import plots, schema
from evidence_kit.loader import Evidence, load
from evidence_kit.sources import pooled_proportion, wilson_interval

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def shipped() -> Evidence:
    return load(REPO)


def rows(figure: go.Figure) -> dict[str, go.Scatter]:
    """The data traces by their y label (legend-only traces left out)."""
    return {t.name: t for t in figure.data if (t.meta or {}).get("role") != "legend"}


def test_evidence_strip_for_penetrance(shipped):
    figure = plots.evidence_strip(shipped, "penetrance")
    assert isinstance(figure, go.Figure)
    assert figure.layout.title.text == "Evidence for penetrance: the articles' figures beside their sources"
    assert figure.layout.xaxis.title.text == "proportion (%)"
    assert tuple(figure.layout.xaxis.range) == (0, 100)
    traces = rows(figure)
    assert list(traces) == ["004-c02 article: 60-90%", "004-c02 source: genereviews2016dyt1 (about 30%)",
                            "004-c02 source: vanvliet2012prrt2 (61%)"]
    assert list(figure.layout.yaxis.categoryarray) == list(traces)
    article = traces["004-c02 article: 60-90%"]
    assert article.x == (60.0, 90.0) and set(article.y) == {"004-c02 article: 60-90%"}
    assert "claim 004-c02 (article 004): 60-90%" in article.hovertext[0]
    assert "penetrance of hereditary primary dystonia: 60% to 90%" in article.hovertext[0]
    assert "autosomal dominant inheritance" in article.hovertext[0]
    dyt1 = traces["004-c02 source: genereviews2016dyt1 (about 30%)"]
    assert dyt1.x == (30.0,) and dyt1.meta["relation"] == "disjoint"
    assert dyt1.marker.color == plots.RELATION_COLOURS["disjoint"]
    assert "source genereviews2016dyt1: about 30%" in dyt1.hovertext[0]
    assert "population: TOR1A (DYT1) pathogenic variant carriers" in dyt1.hovertext[0]
    assert "for claim 004-c02: 60-90%" in dyt1.hovertext[0]
    assert traces["004-c02 source: vanvliet2012prrt2 (61%)"].meta["relation"] == "set aside"


def test_evidence_strip_shows_wilson_intervals_of_counts(shipped):
    traces = rows(plots.evidence_strip(shipped, "treatment response"))
    nih = traces["004-c44 source: nihlegdystoniaabstract (4 of 9)"]
    low, high = wilson_interval(4, 9)
    assert nih.x == pytest.approx((low * 100, high * 100, 400 / 9))
    assert list(nih.marker.symbol) == ["line-ns", "line-ns", "circle"]
    assert "4 of 9: Wilson 95% 18.9% to 73.3%" in nih.hovertext[0]
    assert "Clopper-Pearson 95% 13.7% to 78.8%" in nih.hovertext[0]
    assert traces["004-c44 article: 73% improvement rate"].x == (73.0,)


def test_open_intervals_run_to_the_edge_with_a_triangle(shipped):
    figure = plots.evidence_strip(shipped, "episode duration")
    assert figure.layout.xaxis.title.text == "duration (seconds)"
    traces = rows(figure)
    below = traces["004-c22 article: <1 minute"]
    assert below.x == (0.0, 60.0) and list(below.marker.symbol) == ["triangle-left", "line-ns"]
    above = traces["004-c29 article: >1 minute"]
    assert above.x == (60.0, 75.0) and list(above.marker.symbol) == ["line-ns", "triangle-right"]


def test_evidence_strip_for_an_unknown_measure_is_an_empty_figure(shipped):
    figure = plots.evidence_strip(shipped, "happiness")
    assert rows(figure) == {} and "no readable statistic measures happiness" in figure.layout.annotations[0].text


def test_sex_ratio_plot_is_on_the_share_of_males_scale(shipped):
    figure = plots.sex_ratio_plot(shipped)
    assert figure.layout.title.text == "Sex ratios on the share-of-males scale (male:female)"
    assert figure.layout.xaxis.title.text.startswith("share of males (%)")
    traces = rows(figure)
    assert traces["004-c25 article: 2:1 to 4:1"].x == pytest.approx((200 / 3, 80.0))
    assert traces["004-c25 source: orphanetpkd (3-4:1)"].x == pytest.approx((75.0, 80.0))
    assert traces["004-c25 source: genereviewspkd (about 4:1)"].x == pytest.approx((80.0,))
    ticks = {round(v, 2): t for v, t in zip(figure.layout.xaxis.tickvals, figure.layout.xaxis.ticktext)}
    assert ticks[50] == "1:1<br>50%" and ticks[66.67] == "2:1<br>67%" and ticks[80] == "4:1<br>80%"
    assert figure.layout.shapes[0].x0 == 50  # the 1:1 line
    assert all(t.meta["relation"] == "within" for t in traces.values() if t.meta["role"] == "source")


def test_statistics_by_measure_has_a_panel_per_measure(shipped):
    figure = plots.statistics_by_measure(shipped)
    assert figure.layout.title.text == "All statistics by measure, across articles"
    panels = [a.text for a in figure.layout.annotations]
    assert panels == ["age at onset", "episode duration", "penetrance", "sex ratio", "symptom prevalence",
                      "treatment response"]
    traces = rows(figure)
    assert len(traces) == len(shipped.statistics)
    assert all(t.meta["role"] == "article" for t in traces.values())
    assert traces["004-c25: 7-15 years"].x == (7.0, 15.0)
    assert traces["004-c25: 2:1 to 4:1"].x == pytest.approx((200 / 3, 80.0))
    titles = {figure.layout[f"xaxis{i if i > 1 else ''}"].title.text for i in range(1, 7)}
    assert titles == {"age (years)", "duration (seconds)", "proportion (%)", "share of the first group (%)"}
    assert "claim 004-c44 (article 004): 73% improvement rate" in traces["004-c44: 73% improvement rate"].hovertext[0]


def test_completeness_plot_per_article(shipped):
    figure = plots.completeness_plot(shipped)
    assert figure.layout.title.text == "Citation completeness per article"
    assert [t.name for t in figure.data][0] == "claims cited"
    assert list(figure.data[0].x) == ["000", "004"]


def literal_evidence() -> Evidence:
    claims = [{"article": "001", "claim": "001-c01", "statement": "Improved in 73% of patients", "citations": "1",
               "file": "evidence/articles/001.yaml", "line": 3}]
    stats = [{"article": "001", "claim": "001-c01", "statistic": "001-c01/1", "text": "73%",
              "measure": "treatment response", "condition": "focal dystonia", "file": "evidence/articles/001.yaml",
              "line": 6}]
    values = [{"article": "001", "claim": "001-c01", "statistic": "001-c01/1", "key": key, "value": value,
               "file": "evidence/articles/001.yaml", "line": line}
              for key, value, line in (("a", "13 of 14", 9), ("b", "24 of 60", 12))]
    return Evidence(root=Path("."), articles=schema.frame("articles"), listed_references=schema.frame(
        "listed_references"), claims=schema.frame("claims", claims), citations=schema.frame("citations"),
        statistics=schema.frame("statistics", stats), source_values=schema.frame("source_values", values),
        references=schema.frame("references"), waivers=schema.frame("waivers"))


def test_evidence_strip_pools_two_sources_with_counts():
    traces = rows(plots.evidence_strip(literal_evidence(), "treatment response"))
    pooled = traces["001-c01 pooled: pool of 2 sources"]
    expected = pooled_proportion([13, 24], [14, 60])
    assert pooled.x == pytest.approx((expected.low * 100, expected.high * 100, expected.estimate * 100))
    assert pooled.marker.symbol[-1] == "diamond" and pooled.meta["role"] == "pooled"
    assert "random-effects pool (logit scale, DerSimonian-Laird) for claim 001-c01" in pooled.hovertext[0]
    assert traces["001-c01 source: b (24 of 60)"].meta["relation"] == "disjoint"
    assert traces["001-c01 source: a (13 of 14)"].meta["relation"] == "within"


def test_plots_never_show():
    import ast

    tree = ast.parse((REPO / "src/evidence_kit/plots.py").read_text(encoding="utf-8"))
    calls = [node.func.attr for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)]
    assert "show" not in calls

"""The statistics and source values with their printed text parsed into typed columns.

``parsed_statistics(statistics)`` and ``parsed_source_values(source_values)`` take the loader's
tables and return the ``parsed_statistics`` and ``parsed_source_values`` tables of ``schema``: the
same rows with ``kind``, ``low``, ``high``, ``low_bound``, ``high_bound``, ``unit``, ``n``, ``N``,
``share_low``, ``share_high``, ``approximate`` and ``problem`` from ``parse_statistic``. Text the
parser cannot read is a row of kind "unreadable" with its ``problem``, never an exception.

For a source value, ``n`` and ``N`` are the counts the reviewer recorded, and where a count was not
recorded, the one printed in the value ("4 of 9", "69% (42/61)").
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import schema
from .sources import parsed
from .statistic import Statistic

__all__ = ["parsed_statistics", "parsed_source_values", "parsed_columns"]


def parsed_columns(stat: Statistic) -> dict[str, Any]:
    """The parsed columns of one statistic, as a row fragment."""
    return {name: getattr(stat, name) for name in schema.PARSED}


def parsed_statistics(statistics: pd.DataFrame) -> pd.DataFrame:
    """The ``statistics`` table with each ``text`` parsed."""
    rows = [{**row, **parsed_columns(parsed(row["text"]))} for row in schema.records(statistics)]
    return schema.frame("parsed_statistics", rows)


def parsed_source_values(source_values: pd.DataFrame) -> pd.DataFrame:
    """The ``source_values`` table with each ``value`` parsed; recorded counts win over printed ones."""
    rows = []
    for row in schema.records(source_values):
        columns = parsed_columns(parsed(row["value"]))
        for count in ("n", "N"):
            if row[count] is not None:
                columns[count] = row[count]
        rows.append({**{k: v for k, v in row.items() if k not in ("n", "N")}, **columns})
    return schema.frame("parsed_source_values", rows)

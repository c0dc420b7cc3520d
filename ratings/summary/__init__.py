"""Summary statistics of a period's results for any subtree (báo cáo tổng hợp kết quả).

Five class groups, as the published provincial reports count them:

- ``grassroots``: grassroots party organisations (collective subjects at units of kind
  grassroots_committee / grassroots_cell);
- ``cells``: chi bộ and đảng bộ bộ phận under a grassroots committee (party_cell,
  section_committee);
- ``leadership``: leadership collectives (leadership_collective);
- ``members``: party members (individual subjects at party units);
- ``leaders``: leaders and managers (individual subjects of class leader / central_cadre).

A leader's subject at their chi bộ is in both ``members`` and ``leaders``; their subject at the
leadership collective is in ``leaders`` only.

**One person, several sites (R-E4).** Within one class group and one scope (the subtree, or one
child unit's subtree) a person counts once: they are reviewed if any of their subjects in the
group is eligible for rating (else not rated, else not reviewed), rated if any eligible subject
has a decided or published level, and their level is the *lowest* of those decided levels (the
conservative reading, consistent with R-L1). Because each child's row is that child's own
summary, a person reviewed in two children counts once in each row and once in the total: the
rows may then add up to more than the total, which is the distinct count.

Everything is computed by aggregate SQL grouped by path prefixes (`substr(path, 1, n)`), one
statement per need; nothing loops over people in Python.

The code is split by subject: ``stats`` (class groups, data classes, level and percentage
helpers), ``queries`` (the aggregate statements of one period's figures), ``years`` (the
year-over-year comparison), ``compliance`` (quota compliance and the KHT list), ``charts`` (chart
data) and ``build`` (the whole summary). Import the names from this package.
"""

from .build import children_of, summary
from .charts import chart_data
from .compliance import kht_list, kht_ratings, kht_reasons, kht_row, quota_compliance
from .queries import FIGURES_SQL, TOTALS_SQL, Figures, group_figures, period_totals
from .stats import (
    CELL_KINDS,
    CENT,
    DECIDED,
    GRASSROOTS_KINDS,
    GROUP_BY_CODE,
    GROUPS,
    HUNDRED,
    LEADER_CLASSES,
    LEADERSHIP_KINDS,
    LEVELS,
    PARTY_KINDS,
    ChildRow,
    ClassGroup,
    GroupStats,
    KhtRow,
    QuotaCompliance,
    QuotaRow,
    UnitSummary,
    YearFigures,
    YearRange,
    percent,
    vn_number,
    vn_percent,
)
from .years import (
    HISTORY_SQL,
    YEARS_BACK,
    earlier_periods,
    groups_of,
    history_totals,
    ranges,
    year_figures,
)

__all__ = [
    "CELL_KINDS",
    "CENT",
    "DECIDED",
    "FIGURES_SQL",
    "GRASSROOTS_KINDS",
    "GROUPS",
    "GROUP_BY_CODE",
    "HISTORY_SQL",
    "HUNDRED",
    "LEADERSHIP_KINDS",
    "LEADER_CLASSES",
    "LEVELS",
    "PARTY_KINDS",
    "TOTALS_SQL",
    "YEARS_BACK",
    "ChildRow",
    "ClassGroup",
    "Figures",
    "GroupStats",
    "KhtRow",
    "QuotaCompliance",
    "QuotaRow",
    "UnitSummary",
    "YearFigures",
    "YearRange",
    "chart_data",
    "children_of",
    "earlier_periods",
    "group_figures",
    "groups_of",
    "history_totals",
    "kht_list",
    "kht_ratings",
    "kht_reasons",
    "kht_row",
    "percent",
    "period_totals",
    "quota_compliance",
    "ranges",
    "summary",
    "vn_number",
    "vn_percent",
    "year_figures",
]

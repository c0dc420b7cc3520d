"""The chair's conclusions and the summary's narrative are bounded in the services too."""

from __future__ import annotations

import pytest

from orgunits.limits import TEXT_LIMITS
from ratings import exports
from ratings.exceptions import TextTooLong
from ratings.models import SummaryNarrative
from ratings.services import meetings


def test_conclude_item_rejects_a_conclusion_when_over_its_limit(make_meeting):
    item = make_meeting(2).meeting.agenda.first()
    with pytest.raises(TextTooLong, match="Kết luận"):
        meetings.conclude_item(item=item, conclusion="ạ" * (TEXT_LIMITS["conclusion"] + 1))
    item.refresh_from_db()
    assert item.conclusion == ""


def test_save_narrative_rejects_a_section_when_over_its_limit(period, tree, org_officer):
    with pytest.raises(TextTooLong, match="Mục III"):
        exports.save_narrative(
            period=period,
            unit=tree.district,
            section_2="Tổ chức",
            section_3="ạ" * (TEXT_LIMITS["narrative"] + 1),
            user=org_officer,
        )
    assert not SummaryNarrative.objects.exists()

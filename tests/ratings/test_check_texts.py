"""The texts of appraisal checks write numbers the Vietnamese way."""

from __future__ import annotations

import pytest

from ratings.services import appraisal

from .test_appraisal import HTT, enrol, make_period, propose, rating

pytestmark = pytest.mark.django_db


def test_appraise_does_write_the_total_with_a_decimal_comma(tree, member, org_officer):
    period = make_period(tree, org_officer, 2026)
    enrol(period)
    propose(period, tree.cell_a, member.person, level=HTT, points="80.5")

    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    texts = [c["message"] for c in rating(period, tree.cell_a, member.person).checks]
    assert "Tổng điểm 80,50 thuộc khung HTT." in texts

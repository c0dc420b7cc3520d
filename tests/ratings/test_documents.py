"""The counting minutes and the meeting minutes as PDFs: figures, names, Liberation Serif only."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace as NS

import pytest
from django.conf import settings
from django.utils import timezone

from ratings.documents import (
    _computation_line,
    counting_minutes_context,
    meeting_minutes_context,
    render_counting_minutes_pdf,
    render_meeting_minutes_pdf,
)
from ratings.exceptions import RoundNotClosed
from ratings.models import RoundKind
from ratings.services import ballots, meetings
from reviews.services.enrolment import enrol_period
from tests.factories import MembershipFactory, PersonFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils"),
]

CHAIR = "Trần Văn Đức"
TUYET = "Nguyễn Thị Ánh Tuyết"
ON = "Lê Văn Ơn"
NGOC = "Phạm Ngọc Ánh"
DUNG = "Đặng Quang Dũng"
ABSENT = "Hoàng Thu Hà"
ABSENCE_REASON = "Ốm, đang điều trị tại bệnh viện huyện"
COUNTERS = (DUNG, NGOC)
CONCLUSION = "Chi bộ đoàn kết, hoàn thành tốt các chỉ tiêu; cần khắc phục việc sinh hoạt chưa đều."


def _run(tool: str, *args: str | Path) -> str:
    """Run a poppler tool on our own files and return its output."""
    command = [shutil.which(tool) or tool, *map(str, args)]
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603


def _texts(tmp_path: Path, pdf: bytes, name: str) -> NS:
    path = tmp_path / name
    path.write_bytes(pdf)
    layout = _run("pdftotext", "-layout", path, "-")
    raw = _run("pdftotext", "-raw", path, "-")
    return NS(path=path, layout=layout, text=" ".join(layout.split()), raw=" ".join(raw.split()))


def _only_liberation_serif(path: Path) -> None:
    listing = _run("pdffonts", path)
    names = [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]
    assert names, listing
    assert all(
        name.partition("+")[2].replace("-", "").startswith("LiberationSerif") for name in names
    ), listing


@pytest.fixture
def meeting(tree, period, secretary):
    """Chi bộ A: the secretary chairs; six convened, one absent; two count the votes."""
    chair = secretary.person
    chair.full_name = CHAIR
    chair.save()
    people = {CHAIR: chair}
    for name in (TUYET, ON, NGOC, DUNG, ABSENT):
        people[name] = PersonFactory(full_name=name, party_admission_date=dt.date(2001, 5, 19))
        MembershipFactory(person=people[name], unit=tree.cell_a)
    enrol_period(period=period)
    meeting = meetings.create_meeting(
        period=period,
        unit=tree.cell_a,
        chair=secretary,
        starts_on=dt.date(2026, 12, 8),
        ends_on=dt.date(2026, 12, 8),
        duration_days=Decimal("1.0"),
        location="Hội trường nhà văn hóa thôn Đông",
    )
    meeting.secretary_name = "Vũ Thị Yến"
    meeting.save()
    for name, person in people.items():
        meetings.set_attendance(
            meeting=meeting,
            person=person,
            present=name != ABSENT,
            absence_reason=ABSENCE_REASON if name == ABSENT else "",
        )
    meetings.set_counting_committee(meeting=meeting, people=[people[n] for n in COUNTERS])
    meetings.conclude_item(item=meeting.agenda.first(), conclusion=CONCLUSION)
    return NS(meeting=meeting, people=people)


def _at(hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 12, 8, hour, minute))


def _votes(candidates: dict[str, int]) -> list[dict[str, str]]:
    """Five ballots: Tuyết 1 HTXS + 4 HTT; Ơn 3 HTXS + 2 HTT; Dũng split below the majority;
    everyone else HTT."""
    plans = {
        TUYET: ["HTXS", "HTT", "HTT", "HTT", "HTT"],
        ON: ["HTXS", "HTXS", "HTXS", "HTT", "HTT"],
        DUNG: ["HTT", "HTT", "HT", "HT", "KHT"],
    }
    return [
        {str(pk): plans.get(name, ["HTT"] * 5)[i] for name, pk in candidates.items()}
        for i in range(5)
    ]


@pytest.fixture
def closed_round(meeting):
    ballot_round = ballots.prepare_round(meeting=meeting.meeting)
    ballot_round = ballots.open_round(ballot_round=ballot_round, now=_at(9, 15))
    candidates = {
        c.subject.person.full_name: c.pk
        for c in ballot_round.candidates.select_related("subject__person")
    }
    voters = [p for name, p in meeting.people.items() if name != ABSENT]
    for voter, choices in zip(voters, _votes(candidates), strict=True):
        ballots.cast_ballot(ballot_round=ballot_round, voter=voter, choices=choices)
    return ballots.close_round(ballot_round=ballot_round, now=_at(9, 40))


def test_render_counting_minutes_pdf_does_show_the_figures_and_proposals(closed_round, tmp_path):
    out = _texts(tmp_path, render_counting_minutes_pdf(closed_round), "counting.pdf")

    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in out.layout
    assert "ĐẢNG BỘ XÃ YÊN LẠC CHI BỘ THÔN ĐÔNG * Số -BB/CB" in out.raw
    assert "BIÊN BẢN KIỂM PHIẾU" in out.text
    assert "Bỏ phiếu kín đề xuất mức xếp loại chất lượng năm 2026" in out.text
    assert "Hội trường nhà văn hóa thôn Đông" in out.text
    assert "Thời gian: từ 09 giờ 15 đến 09 giờ 40, ngày 08 tháng 12 năm 2026." in out.text
    assert "ngày 08 tháng 12 năm 2026" in out.raw  # the header's date: the day of the count
    for label, figure in (
        ("Tổng số được triệu tập:", 6),
        ("Số có mặt:", 5),
        ("Số phiếu phát ra:", 5),
        ("Số phiếu thu vào:", 5),
        ("Số phiếu hợp lệ:", 5),
        ("Số phiếu không hợp lệ:", 0),
    ):
        assert re.search(rf"{label}\s+{figure}\b", out.layout), label
    assert "Số có mặt 5/6 (83,33%), đạt tỷ lệ tối thiểu 1/2" in out.text
    # One row per candidate: counts per level (HTXS, HTT, HT, KHT), then the proposal.
    assert re.search(rf"{TUYET}\s+1\s+4\s+0\s+0\s+Hoàn thành tốt nhiệm vụ", out.layout)
    assert re.search(rf"{ON}\s+3\s+2\s+0\s+0\s+Hoàn thành xuất sắc", out.layout)
    assert re.search(rf"{DUNG}\s+0\s+2\s+2\s+1\s+Không đạt", out.layout)
    assert "HTXS: Hoàn thành xuất sắc nhiệm vụ; HTT: Hoàn thành tốt nhiệm vụ" in out.text
    assert "cơ sở tính: số có mặt = 5; cần nhiều hơn 2,5 phiếu; HTT: 4 phiếu → đạt." in out.raw
    # The quota: 1 HTXS against 4 HTT → at most floor(0.8) = 0; proposals may exceed it.
    assert "Số đề xuất mức Hoàn thành xuất sắc nhiệm vụ: 1" in out.text
    assert "Hoàn thành tốt nhiệm vụ: 4" in out.text
    assert "1/5 (20%) × 4" in out.text and "tối đa 0 người" in out.text
    assert "vượt giới hạn trên" in out.text and "cấp có thẩm quyền áp dụng tỷ lệ" in out.text
    assert "TỔ KIỂM PHIẾU" in out.text and "CHỦ TRÌ HỘI NGHỊ" in out.text
    for name in (*COUNTERS, CHAIR):
        assert name in out.text
    _only_liberation_serif(out.path)


def test_render_counting_minutes_pdf_does_refuse_an_open_round(meeting):
    ballot_round = ballots.open_round(ballot_round=ballots.prepare_round(meeting=meeting.meeting))

    with pytest.raises(RoundNotClosed):
        render_counting_minutes_pdf(ballot_round)


def test_counting_minutes_context_does_not_query_per_candidate(
    closed_round, django_assert_max_num_queries
):
    # round, tally, local rule sets, results, roles, parent unit, committee.
    with django_assert_max_num_queries(8):
        context = counting_minutes_context(closed_round)
    assert len(context["rows"]) == 6


def test_render_counting_minutes_pdf_does_flag_low_confidence(meeting, tmp_path):
    people = meeting.people
    subjects = {
        item.subject.person.full_name: item.subject_id
        for item in meeting.meeting.agenda.select_related("subject__person")
        if item.subject.person_id
    }
    ballot_round = ballots.prepare_round(
        meeting=meeting.meeting,
        kind=RoundKind.CONFIDENCE,
        subject_ids=[subjects[CHAIR], subjects[TUYET]],
    )
    ballot_round = ballots.open_round(ballot_round=ballot_round)
    candidates = {c.subject.person.full_name: c.pk for c in ballot_round.candidates.all()}
    voters = [p for name, p in people.items() if name != ABSENT]
    for index, voter in enumerate(voters):
        choices = {
            str(candidates[CHAIR]): "cao",
            str(candidates[TUYET]): "thap" if index < 4 else "tin_nhiem",
        }
        ballots.cast_ballot(ballot_round=ballot_round, voter=voter, choices=choices)
    ballot_round = ballots.close_round(ballot_round=ballot_round)

    out = _texts(tmp_path, render_counting_minutes_pdf(ballot_round), "confidence.pdf")

    assert "Lấy phiếu tín nhiệm năm 2026" in out.text
    assert re.search(rf"{TUYET}\s+0\s+1\s+4\s+66,67%", out.layout)
    assert "phiếu tín nhiệm thấp 4/6 = 66,67%" in out.raw
    assert "theo Quy định 96-QĐ/TW, cấp có thẩm quyền xem xét miễn nhiệm" in out.raw
    assert "Đối chiếu với tỷ lệ" not in out.text


def test_render_meeting_minutes_pdf_does_record_attendance_agenda_and_results(
    closed_round, meeting, tmp_path
):
    out = _texts(tmp_path, render_meeting_minutes_pdf(meeting.meeting), "meeting.pdf")

    assert "BIÊN BẢN HỘI NGHỊ" in out.text
    assert "Hội nghị chi bộ kiểm điểm, đánh giá, xếp loại chất lượng năm 2026" in out.text
    assert "Thời gian: ngày 08 tháng 12 năm 2026 (thời lượng 1 ngày)" in out.text
    assert f"Chủ trì hội nghị: đồng chí {CHAIR}" in out.text
    assert "Thư ký hội nghị: đồng chí Vũ Thị Yến" in out.text
    assert "Tổng số được triệu tập: 6; có mặt: 5; vắng mặt: 1" in out.text
    assert f"Đồng chí {ABSENT} (lý do: {ABSENCE_REASON})" in out.text
    assert "Số lượng tham dự: đạt. Có mặt 5/6" in out.text
    assert "Thời lượng hội nghị: đạt" in out.text
    assert f"1. Kiểm điểm đồng chí {CHAIR}, Bí thư" in out.text
    assert "7. Kiểm điểm tập thể Chi bộ thôn Đông" in out.text
    assert CONCLUSION in out.raw
    assert "số phiếu hợp lệ 5/5 phiếu thu vào (có mặt 5)" in out.text
    assert f"{TUYET}: Hoàn thành tốt nhiệm vụ" in out.text
    assert f"{DUNG}: Không đạt" in out.text
    assert "Chi tiết tại Biên bản kiểm phiếu vòng 1" in out.text
    assert "Hội nghị kết thúc vào hồi …… giờ …… phút, ngày 08 tháng 12 năm 2026." in out.text
    assert "THƯ KÝ HỘI NGHỊ" in out.text and "CHỦ TRÌ HỘI NGHỊ" in out.text
    # The members before their party organisation, the head first (Art. 12(2) QĐ 366).
    assert out.text.index("tập thể Chi bộ thôn Đông") > out.text.index(f"đồng chí {CHAIR},")
    _only_liberation_serif(out.path)


def test_render_minutes_pdfs_do_write_reviewable_artifacts(closed_round, meeting):
    """Writes test-artifacts/{counting,meeting}-minutes.pdf and PNGs of page 1."""
    out = Path(settings.BASE_DIR) / "test-artifacts"
    out.mkdir(exist_ok=True)
    for name, pdf in (
        ("counting-minutes", render_counting_minutes_pdf(closed_round, place="Yên Lạc")),
        ("meeting-minutes", render_meeting_minutes_pdf(meeting.meeting, place="Yên Lạc")),
    ):
        path = out / f"{name}.pdf"
        path.write_bytes(pdf)
        _run("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", path, out / name)
        assert (out / f"{name}.png").stat().st_size > 0


def test_meeting_minutes_context_does_not_query_per_item(
    closed_round, meeting, django_assert_max_num_queries
):
    # meeting, attendance, agenda, rounds + results, roles, parent unit, meeting_checks (~5).
    with django_assert_max_num_queries(13):
        context = meeting_minutes_context(meeting.meeting)
    assert len(context["items"]) == 7 and len(context["rounds"][0]["candidates"]) == 6


LEVELS = [{"code": c, "label": c} for c in ("HTXS", "HTT", "HT", "KHT")]


@pytest.mark.parametrize(
    ("rule", "level", "expected"),
    [
        (
            "cumulative",
            "HTT",
            "cộng dồn từ mức cao đến khi nhiều hơn 2,5 phiếu; HTXS 2 → HTT 3 → đạt.",
        ),
        ("plurality", "HTT", "nhiều phiếu nhất: HTXS, HTT (2 phiếu); bằng nhau, lấy mức thấp hơn."),
        ("absolute_majority", None, "cần nhiều hơn 2,5 phiếu; không mức nào đạt."),
    ],
)
def test_computation_line_does_explain_each_rule(rule, level, expected):
    computation = {
        "rule": rule,
        "base_name": "valid",
        "base": 5,
        "needed": "5/2",
        "strict": True,
        "counts": {"HTXS": 2, "HTT": 1 if rule == "cumulative" else 2, "HT": 1, "KHT": 0},
        "level": level,
    }
    line = _computation_line(computation, LEVELS, confidence=False)
    assert "cơ sở tính: số phiếu hợp lệ = 5" in line
    assert line.endswith(expected)


# -- the decision ---------------------------------------------------------------------------------

PROVINCE_SECRETARY = "Vũ Đức Thắng"
CELL_SECRETARY = "Ngô Thị Lan"
BEST = "Lê Thị Hoa"


@pytest.fixture
def decided(tree, period, org_officer, authority):
    """Chi bộ A's members (one proposing HTXS) appraised by the district and decided by the
    province's competent authority; each unit has its own secretary on record."""
    from orgunits.models import MembershipRole, Person
    from ratings.services import appraisal
    from reviews.models import Report

    for unit, name in ((tree.province, PROVINCE_SECRETARY), (tree.cell_a, CELL_SECRETARY)):
        head = PersonFactory(full_name=name, party_admission_date=dt.date(2001, 5, 19))
        MembershipFactory(person=head, unit=unit, role=MembershipRole.SECRETARY)
    for name in (BEST, *[None] * 6):
        person = PersonFactory(party_admission_date=dt.date(2001, 5, 19))
        if name:
            person.full_name = name
            person.save()
        MembershipFactory(person=person, unit=tree.cell_a)
    Person.objects.update(party_admission_date=dt.date(2001, 5, 19))
    enrol_period(period=period)
    Report.objects.filter(subject__period=period).update(
        self_level="HTT", total_points=Decimal("80")
    )
    Report.objects.filter(subject__person__full_name=BEST).update(
        self_level="HTXS", total_points=Decimal("95")
    )
    appraisal.appraise(period=period, unit=tree.cell_a, user=org_officer)
    return appraisal.decide(
        period=period, unit=tree.cell_a, user=authority, decided_on=dt.date(2026, 12, 28)
    )


def test_render_decision_pdf_does_issue_and_sign_as_the_deciding_authority(decided, tmp_path):
    """The province decided: it issues the document and its secretary signs on behalf of its
    standing committee; the chi bộ is only the unit the decision is about."""
    from ratings.decision_documents import decision_context, render_decision_pdf

    context = decision_context(decided, place="Sông Hồng")
    out = _texts(tmp_path, render_decision_pdf(decided, place="Sông Hồng"), "decision.pdf")

    assert context["header"].issuer == "ĐẢNG BỘ TỈNH SÔNG HỒNG"
    assert context["signer"]["on_behalf"] == "T/M BAN THƯỜNG VỤ"
    assert context["signer"]["name"] == PROVINCE_SECRETARY
    assert "T/M BAN THƯỜNG VỤ" in out.text
    assert PROVINCE_SECRETARY in out.text
    signature = out.text.split("Nơi nhận:")[1]
    assert "T/M CHI BỘ" not in signature and CELL_SECRETARY not in signature
    assert "CHI BỘ THÔN ĐÔNG" not in out.text  # the chi bộ issues nothing
    assert "thuộc Chi bộ thôn Đông" in out.text  # it is what the decision is about
    assert "Số -QĐ/ĐU" in out.text
    # The cap computation, as the quota page shows it (one function writes both).
    assert "theo tỷ lệ tối đa của từng nhóm" in out.text
    (group,) = context["quota"]
    for step in group["steps"]:
        assert step in out.raw
    _only_liberation_serif(out.path)
    artifacts = Path(settings.BASE_DIR) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shutil.copy(out.path, artifacts / "decision.pdf")
    _run("pdftoppm", "-png", "-r", "70", "-singlefile", out.path, artifacts / "decision")


def test_render_minutes_pdfs_does_print_the_secretary_the_chair_chose(closed_round, tmp_path):
    meeting = closed_round.meeting
    chosen = meeting.attendance.select_related("person").get(person__full_name=TUYET).person
    meetings.set_secretary(meeting=meeting, person=chosen)
    closed_round.meeting.refresh_from_db()
    for name, pdf in (
        ("counting.pdf", render_counting_minutes_pdf(closed_round)),
        ("minutes.pdf", render_meeting_minutes_pdf(closed_round.meeting)),
    ):
        out = _texts(tmp_path, pdf, name)
        assert f"thư ký hội nghị: đồng chí {TUYET}".lower() in out.text.lower(), name
        assert re.search(r"THƯ KÝ HỘI NGHỊ\s+CHỦ TRÌ HỘI NGHỊ", out.layout), name
        assert re.search(rf"{TUYET}\s+{CHAIR}", out.layout), name

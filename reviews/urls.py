from django.urls import path

from .views import people, periods, quarters, reports, rulesets, subjects

app_name = "reviews"

urlpatterns = [
    # Periods, their rules, calendar, enrolment and progress (views/periods.py)
    path("periods/", periods.period_list, name="period_list"),
    path("periods/new/", periods.period_create, name="period_create"),
    path("periods/<int:pk>/", periods.period_detail, name="period_detail"),
    path("periods/<int:pk>/rules/", periods.period_rules, name="period_rules"),
    path("periods/<int:pk>/enrol/", periods.period_enrol, name="period_enrol"),
    path(
        "periods/<int:pk>/units/<int:unit_pk>/",
        periods.period_unit,
        name="period_unit",
    ),
    path(
        "periods/<int:pk>/units/<int:unit_pk>/progress/",
        periods.period_progress,
        name="period_progress",
    ),
    path(
        "periods/<int:pk>/units/<int:unit_pk>/circulate/",
        periods.period_circulate,
        name="period_circulate",
    ),
    path(
        "periods/<int:pk>/units/<int:unit_pk>/schedule/",
        periods.period_schedule_edit,
        name="period_schedule_edit",
    ),
    # A province's split of the points between criteria groups (views/rulesets.py)
    path(
        "rulesets/provinces/<int:unit_pk>/points/",
        rulesets.point_split_edit,
        name="point_split_edit",
    ),
    # Subjects: eligibility, suggestions, residence comment (views/subjects.py)
    path("subjects/<int:pk>/", subjects.subject_detail, name="subject_detail"),
    path(
        "subjects/<int:pk>/eligibility/",
        subjects.subject_override_eligibility,
        name="subject_override_eligibility",
    ),
    path(
        "subjects/<int:pk>/suggestions/",
        subjects.subject_add_suggestion,
        name="subject_add_suggestion",
    ),
    path(
        "subjects/<int:pk>/residence-comment/",
        subjects.subject_residence_comment,
        name="subject_residence_comment",
    ),
    # Reports: the editor, autosave, submit/return, attachments, comments, PDF
    path("reports/", reports.my_reports, name="my_reports"),
    path("reports/<int:pk>/", reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", reports.report_edit, name="report_edit"),
    path("reports/<int:pk>/autosave/", reports.report_autosave, name="report_autosave"),
    path("reports/<int:pk>/submit/", reports.report_submit, name="report_submit"),
    path(
        "people/<int:pk>/central-cadre/",
        people.person_central_cadre,
        name="person_central_cadre",
    ),
    path("reports/<int:pk>/return/", reports.report_return, name="report_return"),
    path(
        "reports/<int:pk>/attachments/",
        reports.report_attachment_upload,
        name="report_attachment_upload",
    ),
    path(
        "attachments/<int:pk>/",
        reports.attachment_download,
        name="attachment_download",
    ),
    path(
        "attachments/<int:pk>/delete/",
        reports.attachment_delete,
        name="attachment_delete",
    ),
    path("reports/<int:pk>/comments/", reports.report_comment, name="report_comment"),
    # Quarterly self-assessments (views/quarters.py)
    path(
        "reports/<int:pk>/quarter-result/",
        quarters.quarter_result_record,
        name="quarter_result_record",
    ),
    path(
        "reports/<int:pk>/start-from-quarters/",
        quarters.report_start_from_quarters,
        name="report_start_from_quarters",
    ),
    path(
        "comments/<int:pk>/respond/",
        reports.comment_respond,
        name="comment_respond",
    ),
]

from django.urls import path

from .views import appraisal, ballots, facts, meetings, quota, records, reports, rerating

app_name = "ratings"

urlpatterns = [
    # Meetings: list, creation, attendance, agenda, checks, minutes (views/meetings.py)
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path(
        "periods/<int:pk>/units/<int:unit_pk>/meetings/new/",
        meetings.meeting_create,
        name="meeting_create",
    ),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/attendance/", meetings.meeting_attendance, name="meeting_attendance"),
    path(
        "meetings/<int:pk>/counting-committee/",
        meetings.meeting_counting_committee,
        name="meeting_counting_committee",
    ),
    path("agenda/<int:pk>/conclusion/", meetings.agenda_conclusion, name="agenda_conclusion"),
    path("agenda/<int:pk>/move/", meetings.agenda_move, name="agenda_move"),
    path("meetings/<int:pk>/rounds/new/", meetings.round_prepare, name="round_prepare"),
    path("meetings/<int:pk>/secretary/", meetings.meeting_secretary, name="meeting_secretary"),
    path("meetings/<int:pk>/close/", meetings.meeting_close, name="meeting_close"),
    # Ballot rounds: the chair's console, the voting booth, results, paper entry (views/ballots.py)
    path("rounds/<int:pk>/console/", ballots.round_console, name="round_console"),
    path("rounds/<int:pk>/status/", ballots.round_status, name="round_status"),
    path("rounds/<int:pk>/open/", ballots.round_open, name="round_open"),
    path("rounds/<int:pk>/close/", ballots.round_close, name="round_close"),
    path("rounds/<int:pk>/follow-up/", ballots.round_follow_up, name="round_follow_up"),
    path("rounds/<int:pk>/vote/", ballots.round_vote, name="round_vote"),
    path("rounds/<int:pk>/results/", ballots.round_results, name="round_results"),
    path("rounds/<int:pk>/paper/", ballots.round_paper_entry, name="round_paper_entry"),
    # Appraisal, quota groups (views/quota.py), decisions, rating files, results, history
    path(
        "periods/<int:pk>/units/<int:unit_pk>/appraisal/",
        appraisal.appraisal_page,
        name="appraisal_page",
    ),
    path(
        "periods/<int:pk>/units/<int:unit_pk>/appraisal/run/",
        appraisal.appraisal_run,
        name="appraisal_run",
    ),
    path("periods/<int:pk>/units/<int:unit_pk>/decide/", appraisal.decide, name="decide"),
    path("subjects/<int:pk>/appraisal-facts/", facts.subject_facts, name="subject_facts"),
    path("ratings/<int:pk>/", appraisal.rating_file, name="rating_file"),
    path("ratings/<int:pk>/level/", appraisal.rating_change_level, name="rating_change_level"),
    path("ratings/<int:pk>/rerate/", rerating.rating_rerate, name="rating_rerate"),
    path("ratings/<int:pk>/discipline/", appraisal.rating_discipline, name="rating_discipline"),
    path("ratings/<int:pk>/remediation/", appraisal.rating_remediation, name="rating_remediation"),
    path("remediation/<int:pk>/status/", appraisal.remediation_status, name="remediation_status"),
    path("quota-groups/<int:pk>/", quota.quota_group_detail, name="quota_group"),
    path("quota-groups/<int:pk>/apply/", quota.quota_apply, name="quota_apply"),
    path("quota-groups/<int:pk>/exception/", quota.quota_exception, name="quota_exception"),
    path("decisions/<int:pk>/", appraisal.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/publish/", appraisal.decision_publish, name="decision_publish"),
    path("decisions/<int:pk>/cancel/", appraisal.decision_cancel, name="decision_cancel"),
    path("my-results/", appraisal.my_results, name="my_results"),
    path("people/<int:pk>/history/", appraisal.person_history, name="person_history"),
    path("units/<int:pk>/history/", appraisal.unit_history, name="unit_history"),
]

# Summary reports, exports, the personal dossier, historical levels (views/reports.py)
urlpatterns += [
    path("summaries/", reports.reports_index, name="reports_index"),
    path("periods/<int:pk>/units/<int:unit_pk>/summary/", reports.summary_report, name="summary"),
    # POST: each asks a worker for the file and answers with the job's progress page.
    path(
        "periods/<int:pk>/units/<int:unit_pk>/summary/export/xlsx/",
        reports.summary_xlsx,
        name="summary_xlsx",
    ),
    path(
        "periods/<int:pk>/units/<int:unit_pk>/summary/export/people-xlsx/",
        reports.summary_people_xlsx,
        name="summary_people_xlsx",
    ),
    path(
        "periods/<int:pk>/units/<int:unit_pk>/summary/export/csv/",
        reports.summary_csv,
        name="summary_csv",
    ),
    path(
        "periods/<int:pk>/units/<int:unit_pk>/summary/export/pdf/",
        reports.summary_pdf,
        name="summary_pdf",
    ),
    path(
        "periods/<int:pk>/units/<int:unit_pk>/summary/narrative/",
        reports.summary_narrative,
        name="summary_narrative",
    ),
    path("people/<int:pk>/dossier/", reports.dossier, name="dossier"),
    path("dossiers/<int:pk>/download/", reports.dossier_download, name="dossier_download"),
    path(
        "units/<int:pk>/historical-levels/",
        reports.history_import_view,
        name="history_import",
    ),
    path("historical-levels/uploads/<int:pk>/", reports.history_upload, name="history_upload"),
    path("historical-levels/template.xlsx", reports.history_template, name="history_template"),
    # The list of a unit's rating file (Mẫu 04), rendered by a worker (views/records.py)
    path(
        "periods/<int:pk>/units/<int:unit_pk>/records-list/",
        records.records_list_pdf,
        name="records_list_pdf",
    ),
]

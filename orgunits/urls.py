from django.urls import path

from .views import browse, roles, roster

app_name = "orgunits"

urlpatterns = [
    path("", browse.dashboard, name="dashboard"),
    path("units/", browse.unit_roots, name="unit_roots"),
    path("units/<int:pk>/", browse.unit_detail, name="unit_detail"),
    path("people/", browse.person_list, name="person_list"),
    path("people/<int:pk>/", browse.person_detail, name="person_detail"),
    path("roster/template.xlsx", roster.download_template, name="roster_template"),
    path("units/<int:pk>/roster/import/", roster.import_roster, name="roster_import"),
    path("roster/uploads/<int:pk>/", roster.roster_upload, name="roster_upload"),
    path("units/<int:pk>/roles/", roles.change_role, name="unit_roles"),
]

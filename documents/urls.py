from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path(
        "documents/<slug:kind>/<int:object_id>/request/",
        views.document_request,
        name="request",
    ),
    path("documents/jobs/<int:pk>/", views.job_status, name="job"),
    path("documents/jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("documents/jobs/<int:pk>/download/", views.job_download, name="job_download"),
]

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("accounts/sessions/", views.session_list, name="session_list"),
    path("accounts/sessions/end-all/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("people/<int:pk>/reset-link/", views.issue_reset_link, name="issue_reset_link"),
]

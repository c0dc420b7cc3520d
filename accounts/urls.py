from django.urls import path

from . import activation_views, second_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("units/<int:pk>/accounts/", activation_views.unit_accounts, name="unit_accounts"),
    path(
        "units/<int:pk>/accounts/action/",
        activation_views.unit_accounts_action,
        name="unit_accounts_action",
    ),
    path("accounts/activate/", activation_views.activate, name="activate"),
    path("accounts/sessions/", views.session_list, name="session_list"),
    path("accounts/sessions/end-all/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("people/<int:pk>/reset-link/", views.issue_reset_link, name="issue_reset_link"),
    path(
        "accounts/second-factor/setup/",
        second_factor_views.setup,
        name="second_factor_setup",
    ),
    path(
        "accounts/second-factor/",
        second_factor_views.verify,
        name="second_factor_verify",
    ),
    path(
        "accounts/second-factor/recovery-codes/",
        second_factor_views.recovery_codes,
        name="recovery_codes",
    ),
    path(
        "accounts/second-factor/recovery-codes/new/",
        second_factor_views.regenerate_recovery_codes,
        name="regenerate_recovery_codes",
    ),
]

"""The Django admin in Vietnamese where operators still use it.

Our own models carry translated verbose names. A few installed apps (django-otp, pghistory)
name their apps, models and fields with plain English strings, which no catalogue can
translate; they get the same words here as lazy translations, so `locale/vi` translates them.
A lazy string with the same msgid equals the original while `makemigrations` runs (it runs
untranslated), so the installed apps' migrations see no change.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# Plain-English names of installed apps, as the admin index shows them.
APP_NAMES = {
    "otp_totp": _("Authenticator apps (TOTP)"),
    "otp_static": _("Recovery codes"),
    "pghistory": _("Change history"),
    "axes": _("Sign-in attempts"),
}

# model label → (verbose name, verbose name plural), for models named in plain English.
MODEL_NAMES = {
    "otp_totp.TOTPDevice": (_("TOTP device"), _("TOTP devices")),
    "otp_static.StaticDevice": (_("static device"), _("static devices")),
    "pghistory.Events": (_("event"), _("events")),
}

# Fields that the installed apps leave unnamed (so Django derives "last used at" and the like).
FIELD_NAMES = {
    "name": _("name"),
    "confirmed": _("confirmed"),
    "user": _("user"),
    "throttling_failure_timestamp": _("time of the last failed attempt"),
    "throttling_failure_count": _("failed attempts"),
    "created_at": _("created at"),
    "last_used_at": _("last used at"),
    "key": _("key"),
    "step": _("time step"),
    "t0": _("start time"),
    "digits": _("digits"),
    "tolerance": _("tolerance"),
    "drift": _("drift"),
    "last_t": _("last time step"),
    "pgh_slug": _("event key"),
    "pgh_model": _("event model"),
    "pgh_id": _("event id"),
    "pgh_created_at": _("time of change"),
    "pgh_label": _("kind of change"),
    "pgh_data": _("data"),
    "pgh_diff": _("changes"),
    "pgh_context_id": _("context id"),
    "pgh_context": _("context"),
    "pgh_obj_model": _("object model"),
    "pgh_obj_id": _("object id"),
}

# Fields an installed app names with a plain string of its own.
PLAIN_FIELDS = {("django_celery_beat.PeriodicTask", "task"): _("Task Name")}


def translate_admin() -> None:
    """Give the admin site and the installed apps' plain-English names translatable words."""
    admin.site.site_header = _("Review and rating: administration")
    admin.site.site_title = _("Administration")
    admin.site.index_title = _("Data administration")
    for label, name in APP_NAMES.items():
        apps.get_app_config(label).verbose_name = name
    for label, (singular, plural) in MODEL_NAMES.items():
        model = apps.get_model(label)
        model._meta.verbose_name = singular
        model._meta.verbose_name_plural = plural
        for field in model._meta.get_fields():
            # `verbose_name`, not the constructor's `_verbose_name` the migrations record.
            if getattr(field, "_verbose_name", "set") is None and field.name in FIELD_NAMES:
                field.verbose_name = FIELD_NAMES[field.name]
    for (label, name), words in PLAIN_FIELDS.items():
        apps.get_model(label)._meta.get_field(name).verbose_name = words

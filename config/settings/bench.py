"""Production settings plus the bare baseline view of `manage.py bench_web`.

Only the benchmark's gunicorn runs with this module; production never routes `bench/`.
"""

from .production import *  # noqa: F403

ROOT_URLCONF = "config.bench_urls"

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insights_api.settings")
application = get_wsgi_application()

from insights_api.gc_tuning import tune_gc  # noqa: E402  (after the app has loaded)

tune_gc()

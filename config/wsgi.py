import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# The URLconf, catalogues and templates are loaded now, not on the first requests (and under
# gunicorn's preload_app once, in the master, for every worker forked later): lyceum/core/warmup.py.
from lyceum.core.warmup import warm_up  # noqa: E402

warm_up()

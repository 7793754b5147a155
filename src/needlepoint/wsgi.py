import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needlepoint.settings")
application = get_wsgi_application()

from needlepoint.security import refuse_demo_key_in_production  # noqa: E402

refuse_demo_key_in_production()

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "needlepoint.web"
    label = "web"
    verbose_name = "Staff web interface and client portal"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .reauth import on_user_logged_in

        # Signing in counts as a fresh password for the re-authentication window.
        user_logged_in.connect(on_user_logged_in, dispatch_uid="needlepoint.reauth")

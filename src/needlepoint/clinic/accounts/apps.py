from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "needlepoint.clinic.accounts"
    label = "accounts"
    verbose_name = "Staff accounts and roles"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models

        register_audited(models.Membership, exclude_fields=["last_seen_at"])
        # Creation and revocation are audited; the hash never enters the trail, nor each use.
        register_audited(models.ApiToken, exclude_fields=["token_hash", "last_used_at"])
        # Invitations sent, resent, revoked and accepted; never the link's hash.
        register_audited(models.Invitation, exclude_fields=["token_hash"])

"""People, their roles, and who may act for whom."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone

from accounts.roles import Role

INVITATION_LIFETIME = timedelta(days=14)


class UserManager(BaseUserManager):
    """Users sign in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="The name other people see, e.g. 'Sam' or 'Sam Patel'.",
    )
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the person deleted their account and their personal data was erased. "
        "Money records stay linked to this empty account until the retention schedule "
        "anonymises them.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.email

    @property
    def role_slugs(self) -> set[str]:
        return {grant.role for grant in self.role_grants.all()}

    def has_role(self, role: str) -> bool:
        return self.role_grants.filter(role=role).exists()

    def add_role(self, role: str) -> "RoleGrant":
        grant, _ = RoleGrant.objects.get_or_create(user=self, role=Role(role))
        return grant


class RoleGrant(models.Model):
    """One role a person holds; a person may hold several (e.g. PA and budget holder)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_role")]
        ordering = ["role"]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}"


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class Representation(models.Model):
    """A budget holder names a representative who may act for them.

    The budget holder invites by email; the link is live only once the
    invited person accepts while signed in with that address. A
    representative acts for the people who named them and no one else.
    """

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Ended by the budget holder"

    budget_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="representations_given"
    )
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="representations_held",
        null=True,
        blank=True,
    )
    invited_email = models.EmailField()
    relationship = models.CharField(
        max_length=100, blank=True, help_text="For example: daughter, carer, advocate, appointee."
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED)
    invited_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-invited_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget_holder", "representative"],
                condition=models.Q(status="accepted"),
                name="one_live_representation_per_pair",
            )
        ]

    def __str__(self):
        return f"{self.invited_email} for {self.budget_holder}"

    @property
    def is_expired(self) -> bool:
        return (
            self.status == self.Status.INVITED
            and timezone.now() > self.invited_at + INVITATION_LIFETIME
        )


class Notification(models.Model):
    """Something that happened that a person should know about, shown on "My notifications".

    Made by ``accounts.notifications.notify``, which also emails it unless the
    person has turned that kind of email off. ``url`` is the path of the page
    it is about; ``context`` holds a few ids (never personal details) so code
    can find the thing the notification is about.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self):
        return f"{self.subject} (to {self.user})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Whether a person wants email about one kind of event. No row means yes.

    The notification is always kept on "My notifications"; this only decides
    whether an email goes too.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event = models.CharField(max_length=40)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="one_preference_per_event")
        ]

    def __str__(self):
        return f"{self.user}: {self.event} email {'on' if self.email else 'off'}"

"""Analytics' own tables: daily rollups built from the append-only ``core.Event`` log.

``rollup.py`` writes them, ``selectors.py`` reads them; nothing else does. Days are days in
the platform's time zone (``settings.TIME_ZONE``). User and course columns are plain ids,
not foreign keys: rollups describe history and must not block deleting a row elsewhere.

Two kinds of tables:
- *day tables* (``UserDay``, ``DayStat``, ``CourseDay``, ``CurrencyDay``, ``CourseRevenueDay``,
  ``BuyerDay``) are rewritten a whole day at a time from that day's raw events;
- *fact tables* (``UserFact``, ``EnrollmentFact``, ``ReviewFact``) keep one row per user,
  enrollment or review, merged order-independently (earliest date wins, latest rating wins);
- *window tables* (``DayWindow``, ``CohortDay``, ``CohortWeek``) are derived from the two above
  for the days a run touched.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Watermark(models.Model):
    """The last ``core.Event`` id folded into the rollups (one row, pk=1)."""

    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"analytics watermark {self.last_event_id}"


class UserDay(models.Model):
    """A learner's qualifying activity on one day (METRICS.md ``A(d)``)."""

    day = models.DateField()
    user_id = models.BigIntegerField()
    activities = models.PositiveIntegerField(default=0)
    study_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "user_id"], name="analytics_userday_unique")]
        indexes = [models.Index(fields=["user_id", "day"], name="analytics_userday_user")]

    def __str__(self) -> str:
        return f"{self.day} user {self.user_id}"


class DayStat(models.Model):
    """Platform totals of one day."""

    day = models.DateField(primary_key=True)
    active_users = models.PositiveIntegerField(default=0)
    activities = models.PositiveIntegerField(default=0)
    study_seconds = models.BigIntegerField(default=0)
    # {"<whole minutes>": learners}: the distribution of study minutes of the day's active learners
    study_minutes = models.JSONField(default=dict)
    visits = models.PositiveIntegerField(default=0)
    signups = models.PositiveIntegerField(default=0)
    enrollments = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}"


class DayWindow(models.Model):
    """Distinct-user windows around a day: WAU, MAU and churn (METRICS.md)."""

    day = models.DateField(primary_key=True)
    wau = models.PositiveIntegerField(default=0)  # distinct learners active in [day-6, day]
    mau = models.PositiveIntegerField(default=0)  # distinct learners active in [day-29, day]
    churn_base = models.PositiveIntegerField(default=0)  # active in [day-28, day-1]
    churned = models.PositiveIntegerField(default=0)  # of those, none active in [day, day+29]

    def __str__(self) -> str:
        return f"{self.day}"


class CourseDay(models.Model):
    day = models.DateField()
    course_id = models.BigIntegerField()
    enrollments = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "course_id"], name="analytics_courseday_unique")]
        indexes = [models.Index(fields=["course_id", "day"], name="analytics_courseday_course")]

    def __str__(self) -> str:
        return f"{self.day} course {self.course_id}"


class CurrencyDay(models.Model):
    """Paid orders and refunds of one day in one currency (minor units)."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField(default=0)
    revenue = models.BigIntegerField(default=0)
    refund_count = models.PositiveIntegerField(default=0)
    refunds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "currency"], name="analytics_currencyday_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.currency}"


class CourseRevenueDay(models.Model):
    """Order-line revenue and refunds of one course, day and currency (refunds split like the lines)."""

    day = models.DateField()
    course_id = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    revenue = models.BigIntegerField(default=0)
    refunds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "course_id", "currency"], name="analytics_courserevenue_unique")
        ]
        indexes = [models.Index(fields=["course_id", "day"], name="analytics_courserev_course")]

    def __str__(self) -> str:
        return f"{self.day} course {self.course_id} {self.currency}"


class BuyerDay(models.Model):
    """Who paid on a day, per currency. ``previous_day`` is the buyer's previous paying day in
    that currency, so the distinct buyers of a period are the rows in it whose previous day
    is before it (a plain count, no ``DISTINCT``)."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    user_id = models.BigIntegerField()
    orders = models.PositiveIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    previous_day = models.DateField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "currency", "user_id"], name="analytics_buyerday_unique")]
        indexes = [
            models.Index(fields=["user_id", "currency", "day"], name="analytics_buyerday_user"),
            # covering index of the distinct-buyers count: no table lookups
            models.Index(fields=["day", "currency", "previous_day"], name="analytics_buyerday_count"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.currency} user {self.user_id}"


class UserFact(models.Model):
    """First dates of a user's journey (funnel and sign-up cohorts)."""

    user_id = models.BigIntegerField(primary_key=True)
    signed_up_on = models.DateField(null=True)
    first_enrolled_on = models.DateField(null=True)
    first_paid_on = models.DateField(null=True)
    first_completed_on = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["signed_up_on"], name="analytics_userfact_signup")]

    def __str__(self) -> str:
        return f"user {self.user_id}"


class EnrollmentFact(models.Model):
    """One enrollment: when it started and when its course was completed (CER)."""

    enrollment_id = models.BigIntegerField(primary_key=True)
    user_id = models.BigIntegerField(null=True)
    course_id = models.BigIntegerField(null=True)
    started_on = models.DateField(null=True)
    completed_on = models.DateField(null=True)

    class Meta:
        indexes = [
            # covering index of the CER query: no table lookups
            models.Index(fields=["started_on", "course_id", "completed_on"], name="analytics_enrollfact_start"),
        ]

    def __str__(self) -> str:
        return f"enrollment {self.enrollment_id}"


class ReviewFact(models.Model):
    """One course review: the day it was posted and its latest rating (USAT)."""

    review_id = models.BigIntegerField(primary_key=True)
    course_id = models.BigIntegerField(null=True)
    posted_on = models.DateField(null=True)
    rating = models.PositiveSmallIntegerField(null=True)
    rating_event_id = models.BigIntegerField(default=0)  # the event the rating came from: the latest wins

    class Meta:
        indexes = [models.Index(fields=["posted_on", "course_id", "rating"], name="analytics_reviewfact_posted")]

    def __str__(self) -> str:
        return f"review {self.review_id}"


class CohortDay(models.Model):
    """Learners of the ``signed_up_on`` cohort active on ``day`` (0..30 days after sign-up)."""

    signed_up_on = models.DateField()
    day = models.DateField()
    offset = models.PositiveSmallIntegerField()
    users = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["signed_up_on", "day"], name="analytics_cohortday_unique")]
        indexes = [models.Index(fields=["day"], name="analytics_cohortday_day")]

    def __str__(self) -> str:
        return f"{self.signed_up_on} +{self.offset}"


class CohortWeek(models.Model):
    """Learners of the sign-up week ``cohort`` (a Monday) active in the week starting ``week``."""

    cohort = models.DateField()
    week = models.DateField()
    users = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "week"], name="analytics_cohortweek_unique")]
        indexes = [models.Index(fields=["week"], name="analytics_cohortweek_week")]

    def __str__(self) -> str:
        return f"{self.cohort} in {self.week}"


# --- churn risk (METRICS.md "churn": active in the 28 days before d, inactive in the 30 after) ---


class ChurnModel(models.Model):
    """One training run of the churn-risk model (``churn/model.py``).

    The fitted model is stored as plain numbers (feature order, standardisation, coefficients)
    rather than a pickle: any web node can score with it, nothing executable is loaded from
    the database, and the page showing the model reads the same numbers the scorer uses.
    """

    trained_at = models.DateTimeField()
    as_of = models.DateField()  # the last day of history the run could see
    horizon_days = models.PositiveSmallIntegerField(default=30)
    features = models.JSONField(default=list)  # feature keys in column order
    means = models.JSONField(default=list)
    scales = models.JSONField(default=list)
    coefficients = models.JSONField(default=list)  # on standardised features
    intercept = models.FloatField(default=0.0)
    # {"auc", "precision_top_decile", "base_rate", "n_train", "n_test", "positives_train",
    #  "positives_test", "train_from", "train_to", "test_from", "test_to", "shuffled"}
    metrics = models.JSONField(default=dict)
    scored = models.PositiveIntegerField(default=0)  # learners scored with this model

    class Meta:
        ordering = ["-trained_at", "-id"]

    def __str__(self) -> str:
        return f"churn model {self.pk} ({self.as_of})"


class ChurnScore(models.Model):
    """An active learner's probability of churning in the next 30 days, with its reasons.

    ``reasons`` stores facts, not sentences (``[{"feature": key, "value": x, "context": {...}}]``,
    strongest first), so they read in the viewer's language (``churn/reasons.py``)."""

    model = models.ForeignKey(ChurnModel, on_delete=models.CASCADE, related_name="scores")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the snapshot day: features use history before it
    probability = models.FloatField()
    features = models.JSONField(default=dict)  # {key: value}: what the model saw
    reasons = models.JSONField(default=list)
    reason_keys = models.CharField(max_length=200, default="", blank=True)  # " key1 key2 key3 " for filtering

    class Meta:
        ordering = ["-probability", "user_id"]
        constraints = [models.UniqueConstraint(fields=["model", "user"], name="analytics_churnscore_unique")]
        indexes = [models.Index(fields=["model", "-probability"], name="analytics_churnscore_risk")]

    def __str__(self) -> str:
        return f"user {self.user_id}: {self.probability:.2f}"


class CampaignStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class RetentionCampaign(models.Model):
    """A message and/or personal coupon sent to selected at-risk learners, minus a hold-out.

    Each selected learner is put in the treatment or the hold-out group by a keyed hash of
    the campaign's random ``salt`` and their id (``campaigns.assign_group``): random across
    learners, stable for one learner. Hold-out learners get nothing, so the campaign page can
    compare who came back and bought in each group."""

    name = models.CharField(_("name"), max_length=120)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.SENT)
    churn_model = models.ForeignKey(ChurnModel, null=True, on_delete=models.SET_NULL, related_name="+")
    criteria = models.JSONField(default=dict)  # the filters the operator selected with
    holdout_percent = models.PositiveSmallIntegerField(_("hold-out share (%)"), default=20)
    salt = models.CharField(max_length=32)
    message_title = models.CharField(_("message title"), max_length=120, blank=True)
    message_body = models.TextField(_("message"), max_length=2000, blank=True)
    # personal coupon: percent off (1-100) or a fixed amount in minor units of ``coupon_currency``
    coupon_percent_off = models.PositiveSmallIntegerField(null=True, blank=True)
    coupon_amount_off = models.PositiveIntegerField(null=True, blank=True)
    coupon_currency = models.CharField(max_length=3, blank=True)
    coupon_valid_days = models.PositiveSmallIntegerField(default=14)
    window_days = models.PositiveSmallIntegerField(default=30)  # how long outcomes are counted

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class CampaignGroup(models.TextChoices):
    TREATMENT = "treatment", _("Contacted")
    HOLDOUT = "holdout", _("Hold-out")


class CampaignMember(models.Model):
    campaign = models.ForeignKey(RetentionCampaign, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=10, choices=CampaignGroup.choices)
    probability = models.FloatField(null=True)  # risk when selected
    reasons = models.JSONField(default=list)
    coupon = models.ForeignKey("commerce.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="analytics_campaignmember_unique")]
        indexes = [models.Index(fields=["campaign", "group"], name="analytics_campaignmember_group")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.user_id} {self.group}"

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.commerce.models import (
    LedgerEntry,
    Membership,
    MembershipStatus,
    Order,
    OrderStatus,
    ProductKind,
    Refund,
)
from lyceum.commerce.services.ledger import ledger_record_sale
from lyceum.commerce.services.memberships import membership_start_or_renew
from lyceum.commerce.services.refunds import order_refund
from lyceum.learning.models import Enrollment, EnrollmentSource
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

from .revenue_helpers import make_paid_order, make_product

pytestmark = pytest.mark.django_db


def _sale(user, course, price=19900, paid_at=None):
    order = make_paid_order(user=user, product=make_product(courses=[course], price=price), paid_at=paid_at)
    enrollment_create(user=user, course=course, source=EnrollmentSource.PURCHASE)
    ledger_record_sale(order=order)
    return order


def _csv_rows(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- My membership ----------------------------------------------------------------------------


def test_membership_page_needs_login_and_shows_the_renewal_date(client, client_for, learner):
    assert client.get("/membership/").status_code == 302
    assert b"You are not a member yet" in client_for(learner).get("/membership/").content
    plan = make_product(kind=ProductKind.MEMBERSHIP, courses=[make_course(is_free=False)], title="Gold club")
    membership_start_or_renew(order=make_paid_order(user=learner, product=plan))
    response = client_for(learner).get("/membership/")
    assert response.status_code == 200
    assert b"Gold club" in response.content and b"Cancel at period end" in response.content


def test_member_cancels_from_the_page_and_another_user_gets_404(client_for, learner, outsider):
    plan = make_product(kind=ProductKind.MEMBERSHIP)
    membership = membership_start_or_renew(order=make_paid_order(user=learner, product=plan))
    url = f"/membership/{membership.pk}/cancel/"
    assert client_for(outsider).post(url).status_code == 404
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    response = client_for(learner).post(url)
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELLED
    assert client_for(learner).get(url).status_code == 405


# --- Operator order desk ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["learner", "instructor", "moderator"])
def test_order_desk_is_for_operators_only(request, client, client_for, learner, who):
    order = _sale(learner, make_course(is_free=False))
    assert client.get("/operator/orders/").status_code == 302
    client = client_for(request.getfixturevalue(who))
    assert client.get("/operator/orders/").status_code == 403
    response = client.post(f"/operator/orders/{order.number}/", {"amount": order.total, "reason": "x"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert (order.status, order.refunded_amount, Refund.objects.count()) == (OrderStatus.PAID, 0, 0)


def test_order_list_filters_by_status_and_searches_number_and_email(client_for, learner, outsider, operator):
    mine = _sale(learner, make_course(is_free=False))
    theirs = _sale(outsider, make_course(is_free=False))
    Order.objects.filter(pk=theirs.pk).update(status=OrderStatus.REFUNDED)
    client = client_for(operator)
    both = client.get("/operator/orders/").content.decode()
    assert mine.number in both and theirs.number in both
    refunded = client.get("/operator/orders/?status=refunded").content.decode()
    assert theirs.number in refunded and mine.number not in refunded
    by_email = client.get("/operator/orders/?q=OUTSIDER@").content.decode()
    assert theirs.number in by_email and mine.number not in by_email
    by_number = client.get(f"/operator/orders/?q={mine.number}").content.decode()
    assert mine.number in by_number and theirs.number not in by_number
    assert client.get("/operator/orders/?status=nonsense").status_code == 200


def test_order_list_query_count_does_not_grow_with_orders(client_for, learner, operator):
    client = client_for(operator)
    for _ in range(2):
        _sale(learner, make_course(is_free=False))
    client.get("/operator/orders/")  # warm the session and role caches
    with CaptureQueriesContext(connection) as few:
        assert client.get("/operator/orders/").status_code == 200
    for _ in range(5):
        _sale(learner, make_course(is_free=False))
    with CaptureQueriesContext(connection) as many:
        assert client.get("/operator/orders/").status_code == 200
    assert len(many) == len(few)


def test_order_page_prefills_the_refundable_remainder_and_refunds(client_for, learner, operator):
    course = make_course(is_free=False)
    order = _sale(learner, course)
    client = client_for(operator)
    response = client.get(f"/operator/orders/{order.number}/")
    assert response.status_code == 200
    assert response.context["form"].initial["amount"] == 19900
    response = client.post(f"/operator/orders/{order.number}/", {"amount": "19900", "reason": "Asked nicely"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, 19900)
    assert not Enrollment.objects.get(user=learner, course=course).is_active
    assert b"Asked nicely" in client.get(f"/operator/orders/{order.number}/").content


@pytest.mark.parametrize(
    ("data", "field"),
    [({"amount": "19901", "reason": "x"}, "amount"), ({"amount": "0", "reason": "x"}, "amount"),
     ({"amount": "abc", "reason": "x"}, "amount"), ({"amount": "100", "reason": ""}, "reason"),
     ({"amount": "100", "reason": "   "}, "reason")],
)  # fmt: skip
def test_bad_refund_input_is_shown_on_the_form_and_changes_nothing(client_for, learner, operator, data, field):
    order = _sale(learner, make_course(is_free=False))
    response = client_for(operator).post(f"/operator/orders/{order.number}/", data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    order.refresh_from_db()
    assert (order.status, order.refunded_amount, Refund.objects.count()) == (OrderStatus.PAID, 0, 0)


def test_refunding_an_already_refunded_order_shows_an_error_not_a_500(client_for, learner, operator):
    order = _sale(learner, make_course(is_free=False))
    order_refund(actor=operator, order=order, amount=order.total, reason="done")
    response = client_for(operator).post(f"/operator/orders/{order.number}/", {"amount": "1", "reason": "again"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert Refund.objects.count() == 1


def test_unknown_order_is_404(client_for, operator):
    assert client_for(operator).get("/operator/orders/NOPE/").status_code == 404


# --- Instructor earnings ----------------------------------------------------------------------


def test_earnings_show_own_monthly_totals_net_of_refunds(client_for, learner, instructor, operator):
    course = make_course(instructor=instructor, is_free=False, title='Tea, "Oolong" & 乌龙茶')
    order = _sale(learner, course)
    order_refund(actor=operator, order=order, amount=1000, reason="partial")
    response = client_for(instructor).get("/studio/earnings/")
    assert response.status_code == 200
    [month] = response.context["monthly"]
    # 70 % of 19900 = 13930; refund of 1000 claws back ceil(1000*0.7) = 700
    assert (month["sales"], month["refunds"], month["instructor_net"]) == (19900, -1000, 13230)
    [row] = response.context["courses"]
    assert row["course__title"] == course.title and row["instructor_net"] == 13230


def test_earnings_csv_escapes_commas_quotes_and_chinese(client_for, learner, instructor):
    title = 'Tea, "Oolong" & 乌龙茶'
    _sale(learner, make_course(instructor=instructor, is_free=False, title=title))
    _sale(learner, make_course(instructor=instructor, is_free=False, title="=HYPERLINK(1)"))
    response = client_for(instructor).get("/studio/earnings.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="earnings.csv"'
    assert '"Tea, ""Oolong"" & 乌龙茶"' in response.content.decode("utf-8-sig")
    rows = _csv_rows(response)
    assert rows[0][:4] == ["date", "order", "kind", "course"]
    assert [r[3] for r in rows[1:]] == [title, "'=HYPERLINK(1)"]
    assert [r[5:] for r in rows[1:]] == [["19900", "13930", "5970"]] * 2


def test_another_instructor_never_sees_someone_elses_earnings(client_for, learner, instructor):
    other = make_user("other@example.org", Role.INSTRUCTOR)
    _sale(learner, make_course(instructor=instructor, is_free=False, title="Secret sauce"))
    response = client_for(other).get("/studio/earnings/")
    assert response.status_code == 200
    assert response.context["monthly"] == [] and b"Secret sauce" not in response.content
    assert len(_csv_rows(client_for(other).get("/studio/earnings.csv"))) == 1


def test_earnings_are_for_instructors_only(client, client_for, learner):
    assert client.get("/studio/earnings/").status_code == 302
    assert client_for(learner).get("/studio/earnings/").status_code == 403
    assert client_for(learner).get("/studio/earnings.csv").status_code == 403


# --- Operator payouts -------------------------------------------------------------------------


def test_payout_report_nets_refunds_per_instructor_for_the_month(client_for, learner, instructor, operator):
    other = make_user("other@example.org", Role.INSTRUCTOR, display_name="Bo Other")
    now = timezone.now()
    _sale(learner, make_course(instructor=instructor, is_free=False), price=10000)
    order = _sale(learner, make_course(instructor=other, is_free=False), price=20000)
    order_refund(actor=operator, order=order, amount=20000, reason="refund")
    _sale(learner, make_course(instructor=instructor, is_free=False), price=5000, paid_at=now - timedelta(days=70))
    month = timezone.localdate().strftime("%Y-%m")
    response = client_for(operator).get(f"/operator/payouts/?month={month}")
    assert response.status_code == 200
    nets = {r["instructor__email"]: (r["currency"], r["instructor_net"]) for r in response.context["rows"]}
    assert nets == {"instructor@example.org": ("CNY", 7000), "other@example.org": ("CNY", 0)}
    rows = _csv_rows(client_for(operator).get(f"/operator/payouts.csv?month={month}"))
    assert rows[1:] == [
        [month, "instructor@example.org", "Ada Instructor", "CNY", "7000", "0", "7000"],
        [month, "other@example.org", "Bo Other", "CNY", "14000", "-14000", "0"],
    ]


def test_payouts_bad_month_falls_back_to_this_month_and_only_operators_see_them(client_for, instructor, operator):
    response = client_for(operator).get("/operator/payouts/?month=2026-13")
    assert response.status_code == 200
    assert response.context["month"] == timezone.localdate().replace(day=1)
    assert client_for(instructor).get("/operator/payouts/").status_code == 403
    assert client_for(instructor).get("/operator/payouts.csv").status_code == 403


def test_ledger_sums_are_paid_totals_minus_refunds(learner, instructor, operator):
    orders = [_sale(learner, make_course(instructor=instructor, is_free=False), price=p) for p in (9900, 12345, 1)]
    order_refund(actor=operator, order=orders[1], amount=345, reason="x")
    order_refund(actor=operator, order=orders[2], amount=1, reason="x")
    paid = sum(o.total for o in Order.objects.filter(pk__in=[o.pk for o in orders]))
    refunded = sum(r.amount for r in Refund.objects.all())
    assert sum(LedgerEntry.objects.values_list("gross", flat=True)) == paid - refunded
    assert Membership.objects.count() == 0


# --- Admin ------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["revenueshare", "membership", "refund", "ledgerentry"])
def test_the_revenue_admin_pages_render(client_for, learner, instructor, operator, model):
    from lyceum.accounts.models import User

    User.objects.filter(pk=operator.pk).update(is_superuser=True)
    client = client_for(User.objects.get(pk=operator.pk))
    order = _sale(learner, make_course(instructor=instructor, is_free=False))
    order_refund(actor=operator, order=order, amount=100, reason="admin test")
    membership_start_or_renew(order=make_paid_order(user=learner, product=make_product(kind=ProductKind.MEMBERSHIP)))
    assert client.get(f"/admin/commerce/{model}/").status_code == 200
    assert client_for(learner).get(f"/admin/commerce/{model}/").status_code == 302
    entry = LedgerEntry.objects.first()
    assert client.get(f"/admin/commerce/ledgerentry/{entry.pk}/change/").status_code == 200


@pytest.mark.parametrize(
    ("who", "url"),
    [("instructor", "/studio/earnings/"), ("operator", "/operator/payouts/"), ("learner", "/membership/")],
)
def test_report_pages_query_count_does_not_grow_with_rows(request, client_for, learner, instructor, who, url):
    client = client_for(request.getfixturevalue(who))

    def add_rows():
        plan = make_product(kind=ProductKind.MEMBERSHIP, courses=[make_course(is_free=False)])
        membership_start_or_renew(order=make_paid_order(user=learner, product=plan))
        _sale(learner, make_course(instructor=instructor, is_free=False))

    add_rows()
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(4):
        add_rows()
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)

"""The manual queue and the review page: what a manager does shows as a user would see it."""

from __future__ import annotations

import re

from b2bcore.application import B2B
from b2bcore.bootstrap import InMemoryWorld
from b2bcore.domain.errors import Rejected
from b2bcore.domain.order import OrderStatus
from tests.builders import SUPERVISOR_EMAIL, Cast, place_order, read_order
from tests.web.conftest import Shop
from tests.web.pages.conftest import Browser, sign_in, submit


def review_path(order_id: str) -> str:
    return f"/manager/orders/{order_id}"


def field_error(html: str, field: str) -> str:
    """The error message printed right after the field ``field`` ('' if none)."""
    match = re.search(
        rf'name="{re.escape(field)}"[^>]*>.*?<p class="error"[^>]*>([^<]+)</p>', html, re.S
    )
    return match.group(1).strip() if match else ""


def test_queue_lists_the_waiting_order_with_its_reason_in_russian(
    manager_browser: Browser, shop: Shop
) -> None:
    """The policy's reason is rendered in Russian next to the order."""
    page = manager_browser.get("/manager/queue")
    assert page.status_code == 200
    assert shop.in_review.number in page.text
    assert "не меньше лимита" in page.text  # reason:max_gross_total
    assert shop.paid.number not in page.text


def test_queue_shows_the_last_error_of_a_failed_step(
    manager_browser: Browser, world: InMemoryWorld, app: B2B, cast: Cast, shop: Shop
) -> None:
    """An order whose step failed for good waits with the system's error."""
    failing = place_order(app, cast, PAPER=1)
    world.erp.fail_next(1, Rejected("sap", "customer 7700111118 is blocked"))
    app.processing.run_once()
    page = manager_browser.get("/manager/queue")
    assert failing.number in page.text
    assert "customer 7700111118 is blocked" in page.text


def test_mine_filter_lists_the_managers_own_clients(manager_browser: Browser, shop: Shop) -> None:
    """Both clients are the manager's: "mine" keeps the order and marks it."""
    page = manager_browser.get("/manager/queue?show=mine")
    assert shop.in_review.number in page.text
    assert "мой клиент" in page.text


def test_approved_order_leaves_the_queue_and_proceeds(
    manager_browser: Browser, app: B2B, shop: Shop
) -> None:
    """Approve: back to the queue, the order is gone from it, and the worker reserves it."""
    response = submit(
        manager_browser, f"{review_path(shop.in_review.id)}/approve", {"note": "согласовано"}
    )
    assert response.status_code == 303
    queue = manager_browser.get(response.headers["location"])
    assert "согласован" in queue.text  # the flash message
    assert shop.in_review.number not in queue.text.split("<table>")[1]
    app.processing.run_until_idle()
    assert read_order(app, shop.in_review.id).status is OrderStatus.INVOICED


def test_the_review_page_shows_the_history_in_russian(manager_browser: Browser, shop: Shop) -> None:
    """The manager's order page renders the history's notes: the review reasons, with
    amounts in Russian style, and the manager's own note after approval."""
    page = manager_browser.get(review_path(shop.in_review.id)).text
    history = page.split('<ol class="timeline">')[1]
    assert re.search(r"сумма заказа [\d\u202f]+,\d\d\u00a0₽ не меньше лимита", history)
    submit(manager_browser, f"{review_path(shop.in_review.id)}/approve", {"note": "согласовано"})
    history = manager_browser.get(review_path(shop.in_review.id)).text
    assert "одобрен менеджером: согласовано" in history


def test_approving_twice_is_a_readable_409(manager_browser: Browser, shop: Shop) -> None:
    """The second approval is refused on the page, not with a 500."""
    submit(manager_browser, f"{review_path(shop.in_review.id)}/approve")
    response = submit(manager_browser, f"{review_path(shop.in_review.id)}/approve")
    assert response.status_code == 409
    assert "недоступно в текущем статусе" in response.text


def test_rejected_order_is_cancelled(
    manager_browser: Browser, browser: Browser, app: B2B, shop: Shop
) -> None:
    """Reject with a reason: the order is cancelled and the buyer sees it so."""
    response = submit(
        manager_browser, f"{review_path(shop.in_review.id)}/reject", {"reason": "нет на складе"}
    )
    assert response.status_code == 303
    assert read_order(app, shop.in_review.id).status is OrderStatus.CANCELLED
    sign_in(browser, SUPERVISOR_EMAIL)
    assert "отменён" in browser.get(f"/orders/{shop.in_review.id}").text


def test_rejecting_without_a_reason_says_so_next_to_the_field(
    manager_browser: Browser, app: B2B, shop: Shop
) -> None:
    """An empty reason: 400, the message under the reason, the order still waits."""
    response = submit(manager_browser, f"{review_path(shop.in_review.id)}/reject", {"reason": " "})
    assert response.status_code == 400
    assert "укажите причину отказа" in field_error(response.text, "reason")
    assert read_order(app, shop.in_review.id).status is OrderStatus.IN_REVIEW


def test_adjusted_price_shows_on_the_review_page(
    manager_browser: Browser, app: B2B, shop: Shop
) -> None:
    """A manual unit price re-prices the line; the page shows the new amounts."""
    response = submit(
        manager_browser,
        f"{review_path(shop.in_review.id)}/adjust",
        {"qty-LAPTOP": "2", "price-LAPTOP": "99 000,50"},
    )
    assert response.status_code == 303
    line = read_order(app, shop.in_review.id).lines[0]
    assert (line.quantity, str(line.unit_price)) == (2, "99000.50")
    page = manager_browser.get(response.headers["location"])
    assert "198\u202f001,00" in page.text


def test_adjusting_adds_a_line_and_changes_the_discount(
    manager_browser: Browser, app: B2B, shop: Shop
) -> None:
    """A new SKU becomes a line; the discount applies to the listed prices."""
    response = submit(
        manager_browser,
        f"{review_path(shop.in_review.id)}/adjust",
        {"qty-LAPTOP": "3", "new_sku": "PAPER", "new_quantity": "4", "discount_percent": "5"},
    )
    assert response.status_code == 303
    order = read_order(app, shop.in_review.id)
    assert [(line.sku, line.quantity) for line in order.lines] == [("LAPTOP", 3), ("PAPER", 4)]
    assert str(order.discount_percent) == "5.00"


def test_bad_numbers_are_shown_next_to_their_fields(
    manager_browser: Browser, app: B2B, shop: Shop
) -> None:
    """Not a number, a negative price, a discount over 100: 400 and nothing changes."""
    path = f"{review_path(shop.in_review.id)}/adjust"
    before = read_order(app, shop.in_review.id).lines
    response = submit(manager_browser, path, {"qty-LAPTOP": "три", "price-LAPTOP": "-5"})
    assert response.status_code == 400
    assert field_error(response.text, "qty-LAPTOP") == "должно быть целым числом"
    assert field_error(response.text, "price-LAPTOP") == "не может быть отрицательной"
    response = submit(manager_browser, path, {"discount_percent": "150"})
    assert response.status_code == 400
    assert "от 0 до 100" in field_error(response.text, "discount_percent")
    response = submit(manager_browser, path, {"new_sku": "NO-SUCH-SKU", "new_quantity": "1"})
    assert response.status_code == 400
    assert "нет в каталоге" in response.text
    assert read_order(app, shop.in_review.id).lines == before


def test_removing_every_line_is_refused(manager_browser: Browser, app: B2B, shop: Shop) -> None:
    """Quantity 0 on the only line would leave an empty order: a 400 with the rule."""
    response = submit(
        manager_browser, f"{review_path(shop.in_review.id)}/adjust", {"qty-LAPTOP": "0"}
    )
    assert response.status_code == 400
    assert "хотя бы одна строка" in response.text


def test_retry_clears_a_failed_step_and_the_order_proceeds(
    manager_browser: Browser, world: InMemoryWorld, app: B2B, cast: Cast, shop: Shop
) -> None:
    """Retry: the error is gone from the page and the worker runs the step again."""
    failing = place_order(app, cast, PAPER=1)
    world.erp.fail_next(1, Rejected("sap", "customer 7700111118 is blocked"))
    app.processing.run_once()
    assert read_order(app, failing.id).failure is not None
    response = submit(manager_browser, f"{review_path(failing.id)}/retry")
    assert response.status_code == 303
    assert "customer 7700111118 is blocked" not in manager_browser.get(review_path(failing.id)).text
    app.processing.run_until_idle()
    assert read_order(app, failing.id).status is OrderStatus.INVOICED


def test_retrying_when_nothing_failed_is_a_readable_409(
    manager_browser: Browser, shop: Shop
) -> None:
    """No failed step: the page says the action is not available now."""
    response = submit(manager_browser, f"{review_path(shop.paid.id)}/retry")
    assert response.status_code == 409


def test_an_unknown_order_is_404(manager_browser: Browser) -> None:
    """An order id that does not exist: the 404 page, for pages and actions."""
    assert manager_browser.get(review_path("no-such-order")).status_code == 404
    assert submit(manager_browser, f"{review_path('no-such-order')}/approve").status_code == 404

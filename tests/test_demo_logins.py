"""The demo shop's users sign in with the documented demo passwords."""

from __future__ import annotations

from b2bcore import demo


def test_every_demo_user_signs_in_with_the_documented_password() -> None:
    """Supervisor, employee and manager each sign in as themselves."""
    shop = demo.seed()
    signed_in = {
        email: shop.app.accounts.sign_in(email, password)
        for email, password in demo.DEMO_PASSWORDS.items()
    }
    assert signed_in == {
        demo.SUPERVISOR.email: shop.buyer,
        demo.EMPLOYEE.email: shop.employee,
        demo.MANAGER.email: shop.manager,
    }
    client = shop.app.cabinet.client(shop.buyer)
    assert not client.contact(shop.employee.id).is_supervisor

"""Signing in and out, the forgotten password, the language switch.

No user enumeration: a wrong password and an unknown email get the same page, and
"forgot password" answers the same whether the address is known or not. Attempts
are limited per client IP here and per email in the use case.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from b2bcore.application.accounts import Accounts
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import DomainError, InvalidValue, SignInRefused, SignInThrottled
from b2bcore.i18n import describe_error, translate
from b2bcore.web.pages.accounts import accounts_of, reset_url
from b2bcore.web.pages.base import (
    PageController,
    Viewing,
    flash,
    render,
    safe_next,
    see_other,
)
from b2bcore.web.pages.forms import FORM, Form, FormData, field_errors, required
from b2bcore.web.pages.locale import LANG_COOKIE, LOCALES, locale_of
from b2bcore.web.pages.ratelimit import AttemptLimiter
from b2bcore.web.pages.session import actor_of, restamp, sign_in, sign_out

Req = Request[Any, Any, Any]
NextPage = Annotated[str, QueryParameter(name="next", max_length=2000)]
LOGIN = "auth/login.html"
FORGOT = "auth/forgot.html"
RESET = "auth/reset.html"
PASSWORD_FIELDS = ("password", "password_repeat")
log = logging.getLogger(__name__)


def home_of(actor: Actor) -> str:
    return "/manager/" if actor.is_manager else "/"


def _limited(request: Req) -> int | None:
    limiter: AttemptLimiter = request.app.state["login_limiter"]
    return limiter.hit(request.client.host if request.client else "unknown")


def _too_many(request: Req, template: str, wait: int, **context: Any) -> Template:
    text = translate(
        "Too many attempts: try again in {minutes} min",
        locale_of(request),
        minutes=max(1, -(-wait // 60)),
    )
    response = render(None, template, status=429, errors={FORM: text}, **context)
    response.headers["Retry-After"] = str(wait)
    return response


def _passwords_differ(form: Form, locale: str) -> dict[str, str]:
    if form.get("password") != form.get("password_repeat"):
        return {"password_repeat": translate("the passwords do not match", locale)}
    return {}


class SignInController(Controller):
    include_in_schema = False

    @get("/login")
    async def login_form(self, request: Req, next_page: NextPage = "/") -> Response[Any]:
        actor = actor_of(request)
        if actor is not None:
            return see_other(home_of(actor))
        return render(None, LOGIN, next=safe_next(next_page), form={})

    @post("/login", sync_to_thread=True)
    def login(self, request: Req, data: FormData) -> Response[Any]:
        form, locale = Form(data), locale_of(request)
        context = {"next": safe_next(form.get("next")), "form": {"email": form.get("email")}}
        wait = _limited(request)
        if wait is not None:
            return _too_many(request, LOGIN, wait, **context)
        try:
            signed = accounts_of(request).open_session(form.get("email"), form.secret("password"))
        except SignInThrottled as exc:
            return _too_many(request, LOGIN, exc.retry_after_seconds, **context)
        except (SignInRefused, InvalidValue):
            text = translate("Wrong email or password", locale)
            return render(None, LOGIN, status=400, errors={FORM: text}, **context)
        sign_in(request, signed.actor, stamp=signed.stamp)
        return see_other(safe_next(form.get("next"), home_of(signed.actor)))

    @post("/logout")
    async def logout(self, request: Req) -> Redirect:
        sign_out(request)
        return see_other("/login")

    @get("/password/forgot")
    async def forgot_form(self) -> Template:
        return render(None, FORGOT, form={})

    @post("/password/forgot", sync_to_thread=True)
    def forgot(self, request: Req, data: FormData) -> Response[Any]:
        form, locale = Form(data), locale_of(request)
        context = {"form": {"email": form.get("email")}}
        wait = _limited(request)
        if wait is not None:
            return _too_many(request, FORGOT, wait, **context)
        errors = required(form, locale, "email")
        if errors:
            return render(None, FORGOT, status=400, errors=errors, **context)
        # The lookup, the token and the letter happen after the answer is sent, so
        # its timing cannot tell a known address from an unknown one.
        page = render(None, FORGOT, sent=True, form={})
        page.background = BackgroundTask(
            _send_reset_link, accounts_of(request), form.get("email"), reset_url(request)
        )
        return page

    @get("/password/reset")
    async def reset_form(self, token: FromQuery[str] = "") -> Template:
        return render(None, RESET, token=token[:200])

    @post("/password/reset", sync_to_thread=True)
    def reset(self, request: Req, data: FormData) -> Response[Any]:
        form, locale = Form(data), locale_of(request)
        token = form.get("token")
        errors = required(form, locale, "password") or _passwords_differ(form, locale)
        if errors:
            return render(None, RESET, status=400, errors=errors, token=token)
        try:
            signed = accounts_of(request).reset_and_open_session(token, form.secret("password"))
        except DomainError as exc:
            errors = field_errors(exc, locale, ("password", "token"))
            return render(None, RESET, status=400, errors=errors, token=token)
        sign_in(request, signed.actor, stamp=signed.stamp)
        flash(request, translate("Your password is set", locale), "success")
        return see_other(home_of(signed.actor))

    @get("/lang/{code:str}")
    async def language(self, code: FromPath[str], next_page: NextPage = "/") -> Redirect:
        response = Redirect(path=safe_next(next_page))
        if code in LOCALES:
            response.set_cookie(
                Cookie(
                    key=LANG_COOKIE,
                    value=code,
                    max_age=365 * 24 * 3600,
                    httponly=True,
                    samesite="lax",
                )
            )
        return response


class PasswordController(PageController):
    path = "/account/password"

    @get()
    async def form(self, viewer: Viewing) -> Template:
        return render(viewer, "auth/change.html")

    @post(sync_to_thread=True)
    def change(self, request: Req, viewer: Viewing, data: FormData) -> Response[Any]:
        form, locale = Form(data), viewer.locale
        errors = required(form, locale, "current_password", "password") or _passwords_differ(
            form, locale
        )
        if not errors:
            try:
                stamp = accounts_of(request).change_password(
                    viewer.actor, form.secret("current_password"), form.secret("password")
                )
            except SignInThrottled as exc:
                errors = {FORM: describe_error(exc, locale)}
            except DomainError as exc:
                errors = field_errors(exc, locale, ("current_password", "password"))
        if errors:
            return render(viewer, "auth/change.html", status=400, errors=errors)
        restamp(request, stamp)  # this session goes on; the user's other sessions end
        flash(request, translate("Your password is changed", locale), "success")
        return see_other("/")


def _send_reset_link(accounts: Accounts, email: str, url: str) -> None:
    """Runs after the response: a failure is logged, the visitor already has their page."""
    try:
        accounts.request_password_reset(email, url)
    except Exception:  # a broken mail server must not surface as an error page later
        log.exception("password reset for a submitted address failed")

"""Sign-in, sign-out, language, the user's API tokens and the user directory."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coverdesk.accounts.exceptions import ApiTokenNotFound
from coverdesk.accounts.selectors import api_token_list
from coverdesk.accounts.selectors import user_list as accounts_user_list
from coverdesk.accounts.services import (
    api_token_create,
    api_token_revoke,
    login_attempt_record,
    logout_record,
    user_language_set,
)
from coverdesk.core.exceptions import ApplicationError
from coverdesk.web.accounts.forms import LanguageForm, LoginForm, TokenCreateForm
from coverdesk.web.errors import form_apply_error
from coverdesk.web.http import WebRequest
from coverdesk.web.language import language_cookie_set
from coverdesk.web.permissions import can_manage_tokens, can_view_users, page_access

USERS_PER_PAGE = 50


def _safe_next(request: HttpRequest, candidate: str | None, fallback: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(fallback)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated:
        return redirect(_safe_next(request, next_url, settings.LOGIN_REDIRECT_URL))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        # The request goes along: django-axes counts failures per username and address.
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        login_attempt_record(username=username, user=user, succeeded=user is not None)
        if user is not None:
            login(request, user)
            response = redirect(_safe_next(request, next_url, settings.LOGIN_REDIRECT_URL))
            language_cookie_set(response, user.language)
            return response
        # One message for an unknown user, a wrong password and an inactive account alike.
        form.add_error(None, _("The username or password is not correct."))
    return render(request, "web/accounts/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        logout_record(user=request.user)
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unsupported language."), status=400)
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        try:
            user_language_set(user=request.user, language=language)
        except ApplicationError as error:
            return HttpResponse(error.message, status=400)
    response = HttpResponseRedirect(
        _safe_next(request, form.cleaned_data["next"] or request.headers.get("referer"), "web:home")
    )
    language_cookie_set(response, language)
    return response


def _tokens_page(
    request: WebRequest, form: TokenCreateForm, issued: str = "", status: int = 200
) -> HttpResponse:
    template = "web/tokens/_panel.html" if request.htmx else "web/tokens/list.html"
    context = {"form": form, "tokens": api_token_list(user=request.user), "issued": issued}
    return render(request, template, context, status=status)


@require_GET
@page_access(can_manage_tokens)
def token_list(request: WebRequest) -> HttpResponse:
    return _tokens_page(request, TokenCreateForm())


@never_cache  # the response carries the token itself
@require_POST
@page_access(can_manage_tokens)
def token_create(request: WebRequest) -> HttpResponse:
    # The plaintext goes into this response only: never a session, never a redirect, so
    # reloading the list cannot show it again.
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            issued = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                acting_user=request.user,
                expires_at=form.expires_at_moment(),
            )
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            return _tokens_page(request, TokenCreateForm(), issued=issued.plaintext)
    return _tokens_page(request, form, status=422 if not request.htmx else 200)


@require_POST
@page_access(can_manage_tokens)
def token_revoke(request: WebRequest, token_id: int) -> HttpResponse:
    try:
        api_token_revoke(token_id=token_id, acting_user=request.user)
    except ApiTokenNotFound as error:
        raise Http404(error.message) from error
    if request.htmx:
        return _tokens_page(request, TokenCreateForm())
    return redirect("web:token_list")


@require_GET
@page_access(can_view_users)
def user_list(request: WebRequest) -> HttpResponse:
    page = Paginator(accounts_user_list(), USERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "web/users/list.html", {"page": page})

from django.urls import include, path

from coverdesk.web.accounts import views as accounts
from coverdesk.web.audit import views as audit
from coverdesk.web.inbox import views as inbox
from coverdesk.web.parties import views as parties

app_name = "web"
urlpatterns = [
    path("", inbox.home, name="home"),
    path("inbox/<int:message_id>/read/", inbox.message_read, name="message_read"),
    path("inbox/read-all/", inbox.inbox_read_all, name="inbox_read_all"),
    path("accounts/login/", accounts.login_view, name="login"),
    path("accounts/logout/", accounts.logout_view, name="logout"),
    path("accounts/language/", accounts.set_language, name="set_language"),
    path("accounts/tokens/", accounts.token_list, name="token_list"),
    path("accounts/tokens/new/", accounts.token_create, name="token_create"),
    path("accounts/tokens/<int:token_id>/revoke/", accounts.token_revoke, name="token_revoke"),
    path("customers/", parties.party_list, name="party_list"),
    path("customers/<int:party_id>/", parties.party_detail, name="party_detail"),
    path("customers/<int:party_id>/reveal/", parties.party_reveal, name="party_reveal"),
    path("users/", accounts.user_list, name="user_list"),
    path("audit/", audit.audit_list, name="audit_list"),
    path("audit/verify/", audit.audit_verify, name="audit_verify"),
    path("sla/", include("coverdesk.web.sla.urls")),
    path("policies/", include("coverdesk.web.policies.urls")),
    path("new-business/", include("coverdesk.web.new_business.urls")),
    path("servicing/", include("coverdesk.web.servicing.urls")),
    path("registers/", include("coverdesk.web.registers.urls")),
    path("products/", include("coverdesk.web.products.urls")),
]

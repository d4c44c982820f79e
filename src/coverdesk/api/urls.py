"""The REST API at /api/v1: one router per domain, one error shape, token or session auth."""

from ninja import NinjaAPI

from coverdesk.api.accounts.apis import router as accounts_router
from coverdesk.api.audit.apis import router as audit_router
from coverdesk.api.errors import install_error_handlers
from coverdesk.api.notifications.apis import router as notifications_router
from coverdesk.api.parties.apis import router as parties_router
from coverdesk.api.policies.apis import router as policies_router
from coverdesk.api.policies.insured import router as insured_router
from coverdesk.api.policies.new_business import router as new_business_router
from coverdesk.api.policies.products import router as products_router
from coverdesk.api.policies.servicing import router as servicing_router
from coverdesk.api.sla.apis import router as sla_router
from coverdesk.api.system.apis import router as system_router

api = NinjaAPI(
    title="Coverdesk API",
    version="1",
    description="Insurance service operations: policies, servicing, claims, service desk and "
    "timeliness. Authenticate with `Authorization: Bearer <token>` (tokens: /api/v1/tokens or "
    "the web UI) or the browser session (with the CSRF header on writes). Every 4xx answers "
    '`{"code", "message", "fields"}`.',
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("", system_router)
api.add_router("", accounts_router)
api.add_router("", audit_router)
api.add_router("", notifications_router)
api.add_router("", parties_router)
api.add_router("", policies_router)
api.add_router("", insured_router)
api.add_router("", servicing_router)
api.add_router("", products_router)
api.add_router("", new_business_router)
api.add_router("", sla_router)

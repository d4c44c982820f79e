from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from coverdesk.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("coverdesk.web.urls")),
]

from django.urls import include, path, re_path

from coverdesk.api.errors import api_route_not_found
from coverdesk.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/", api_route_not_found),
    path("", include("coverdesk.web.urls")),
]

from django.urls import path

from coverdesk.web.products import views

urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("<str:code>/", views.product_detail, name="product_detail"),
    path(
        "<str:code>/versions/<int:number>/",
        views.product_version_detail,
        name="product_version_detail",
    ),
]

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from pam_project import operations

urlpatterns = [
    path("", include("assistant.urls")),
    path("finance/", include("finance.urls")),
    path("travel/", include("travel.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("pam_project.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # For operators (docs/operations.md): Prometheus' default path, and the probes.
    path("metrics", operations.metrics_view, name="metrics"),
    path("health/", operations.health, name="health"),
    path("health/ready/", operations.health_ready, name="health-ready"),
]

admin.site.site_header = "PAM administration"
admin.site.site_title = "PAM admin"

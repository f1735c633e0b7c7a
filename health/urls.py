from django.urls import path

from health import views

urlpatterns = [
    path("health/live", views.live, name="health-live"),
    path("health/ready", views.ready, name="health-ready"),
    path("livez", views.live, name="livez"),
    path("readyz", views.ready, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]

"""The health app's routes: the health endpoints and the Prometheus scrape, and the monitor
pages of a project."""

from django.urls import path

from health import endpoints, views

MONITORS = "organizations/<slug:org_slug>/projects/<slug:project_slug>/monitors"

urlpatterns = [
    path("health/live", endpoints.live, name="health-live"),
    path("health/ready", endpoints.ready, name="health-ready"),
    path("livez", endpoints.live, name="livez"),
    path("readyz", endpoints.ready, name="readyz"),
    path("metrics", endpoints.metrics, name="metrics"),
    path(f"{MONITORS}/", views.monitor_list, name="monitors"),
    path(f"{MONITORS}/new/uptime/", views.uptime_create, name="monitor-uptime-create"),
    path(f"{MONITORS}/uptime/<str:uptime_id>/", views.uptime_detail,
         name="monitor-uptime"),
    path(f"{MONITORS}/new/cron/", views.cron_create, name="monitor-cron-create"),
    path(f"{MONITORS}/cron/<str:monitor_slug>/", views.cron_detail,
         name="monitor-cron"),
]

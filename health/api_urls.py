"""The monitors API routes, under /api/0/ beside errortrack's and the alerts'."""

from django.urls import path

from health import api

ORG = "organizations/<slug:org_slug>"
PROJECT = "projects/<slug:org_slug>/<slug:project_slug>"

urlpatterns = [
    path(f"{PROJECT}/uptime/", api.UptimeList.as_view(), name="api-uptime-monitors"),
    path(f"{PROJECT}/uptime/<str:uptime_id>/", api.UptimeDetail.as_view(),
         name="api-uptime-monitor"),
    path(f"{PROJECT}/uptime/<str:uptime_id>/results/", api.UptimeResultList.as_view(),
         name="api-uptime-results"),
    path(f"{PROJECT}/monitors/", api.CronList.as_view(), name="api-cron-monitors"),
    path(f"{PROJECT}/monitors/<str:monitor_slug>/", api.CronDetail.as_view(),
         name="api-cron-monitor"),
    path(f"{PROJECT}/monitors/<str:monitor_slug>/checkins/", api.CheckInList.as_view(),
         name="api-cron-checkins"),
    path(f"{PROJECT}/monitors/<str:monitor_slug>/stats/", api.CronStats.as_view(),
         name="api-cron-stats"),
]

urlpatterns += [
    path(f"{ORG}/monitors/", api.OrganizationMonitorList.as_view(),
         name="api-organization-monitors"),
    path(f"{ORG}/monitors/<str:monitor_slug>/", api.OrganizationMonitorDetail.as_view(),
         name="api-organization-monitor"),
    path(f"{ORG}/monitors/<str:monitor_slug>/checkins/",
         api.OrganizationCheckInList.as_view(), name="api-organization-monitor-checkins"),
    path(f"{ORG}/monitors/<str:monitor_slug>/stats/", api.OrganizationMonitorStats.as_view(),
         name="api-organization-monitor-stats"),
]

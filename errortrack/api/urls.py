from django.urls import path

from errortrack.api import views

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="api-root"),
]

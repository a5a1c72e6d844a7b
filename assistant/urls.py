from django.urls import path

from assistant import views

urlpatterns = [path("", views.chat, name="chat")]

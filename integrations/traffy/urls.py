from django.urls import path

from integrations.traffy import webhooks

app_name = "traffy"

urlpatterns = [
    path("<slug:agency>/webhook/", webhooks.webhook, name="webhook"),
]

from django.urls import path

from integrations import import_pages

app_name = "imports"

urlpatterns = [
    path("", import_pages.import_page, name="import"),
    path("template.<str:kind>", import_pages.template, name="template"),
    path("<int:pk>/", import_pages.run_page, name="run"),
    path("<int:pk>/refused.csv", import_pages.run_problems, name="problems"),
    path("status/", import_pages.status_file, name="status"),
]
